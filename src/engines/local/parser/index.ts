/**
 * Instruction parser: free text (English, Chinese or both) → Plan.
 *
 * normalize (quotes, numbers, image references) → split into ordered clauses → for each clause,
 * the first rule that understands all of it. A clause no rule understands, or with words left
 * over, fails the whole instruction with EditError('InvalidParameter') quoting it and naming the
 * closest supported operations.
 */
import { EditError } from '../../engine.js';
import type { Operation, Plan } from '../plan.js';
import { Clause, FILLER_EN } from './clause.js';
import { normalize } from './normalize.js';
import { ORIENTATION_RULES, TEXT_AND_GEOMETRY_RULES } from './rules-geometry.js';
import { HUE_RULES, TONE_AND_FILTER_RULES } from './rules-tone.js';
import { ML_AND_FUSION_RULES, type Rule } from './rules.js';
import { detectLanguage, splitClauses } from './split.js';

/** Most specific first: the first rule that understands a whole clause wins. */
export const RULES: readonly Rule[] = [
  ...ML_AND_FUSION_RULES,
  ...TEXT_AND_GEOMETRY_RULES,
  ...HUE_RULES,
  ...ORIENTATION_RULES,
  ...TONE_AND_FILTER_RULES,
];

const MAX_PROMPT = 2000;
const MAX_OPERATIONS = 20;

/** The prompt being parsed, so that messages can quote the user's own spelling. */
let original = '';

/** The clause as the user can recognise it: tokens turned back into words, original case when found. */
function display(text: string, quotes: readonly string[]): string {
  const shown = text
    .replace(/⟦q(\d+)⟧/g, (_m, n: string) => `"${quotes[Number(n)] ?? ''}"`)
    .replace(/⟦i(\d)⟧/g, 'image $1')
    .replace(/⟦iall⟧/g, 'all images')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 120);
  const at = original.toLowerCase().indexOf(shown);
  return at >= 0 ? original.slice(at, at + shown.length) : shown;
}

function levenshtein(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const tmp = prev[j] as number;
      prev[j] = Math.min((prev[j] as number) + 1, (prev[j - 1] as number) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length] as number;
}

/** The supported operations closest to a clause: edit distance on words, shared characters in Chinese. */
export function closestOperations(clause: string, count = 3, withFillers = false): string[] {
  const words = (clause.toLowerCase().match(/[a-z]{3,}/g) ?? []).filter((w) => withFillers || !FILLER_EN.has(w));
  const han = new Set(clause.match(/[\u3400-\u9fff]/g) ?? []);
  const scored = RULES.map((rule) => {
    let best = 0;
    for (const keyword of rule.keywords) {
      for (const kw of keyword.split(/\s+/)) {
        if (/[\u3400-\u9fff]/.test(kw)) {
          const chars = [...kw];
          const shared = chars.filter((ch) => han.has(ch)).length;
          best = Math.max(best, shared / chars.length);
        } else if (kw.length >= 3 && (withFillers || !FILLER_EN.has(kw))) {
          for (const w of words) {
            const d = levenshtein(w, kw);
            const prefix = w.length >= 4 && (kw.startsWith(w.slice(0, 4)) || w.startsWith(kw.slice(0, 4))) ? 0.3 : 0;
            best = Math.max(best, 1 - d / Math.max(w.length, kw.length) + prefix);
          }
        }
      }
    }
    return { name: rule.name, best };
  });
  const names = [...new Set(scored.sort((a, b) => b.best - a.best).filter((s) => s.best >= 0.5).map((s) => s.name))];
  if (names.length > 0) return names.slice(0, count);
  // Only filler words ("add a dog"): let the verbs speak, then the most common operations.
  if (!withFillers) return closestOperations(clause, count, true);
  return ['grayscale', 'rotate', 'crop', 'brightness', 'add text'].slice(0, count);
}

function fail(message: string): never {
  throw new EditError('InvalidParameter', message);
}

const NEGATION = /^(?:please\s+)?(?:don'?t|do\s+not|never|without|avoid|no\s+(?!colou?rs?\b))\b|^(?:请)?(?:不要|别|无需|不用|不必|避免|不需要)/;

function parseClause(text: string, quotes: readonly string[]): Operation[] {
  if (NEGATION.test(text.trim())) {
    fail(`The instruction part "${display(text, quotes)}" says what not to do; the built-in engine only carries out edits. Put what the result should avoid in negative_prompt.`);
  }
  let partial: { rule: Rule; leftover: string } | undefined;
  for (const rule of RULES) {
    const clause = new Clause(text, quotes);
    const ops = rule.parse(clause);
    if (!ops) continue;
    const target = clause.target();
    const leftover = clause.leftover();
    if (leftover === '') {
      if (target === 'all') {
        fail(`"${display(text, quotes)}": an edit can apply to one image at a time; name it ("image 2", "图2") or combine the images first.`);
      }
      return target === undefined ? ops : ops.map((op) => ({ ...op, image: target }));
    }
    partial ??= { rule, leftover };
  }
  const shown = display(text, quotes);
  if (partial) {
    fail(
      `The instruction part "${shown}" was not fully understood: "${partial.leftover.slice(0, 60)}" is not supported ` +
        `(understood as: ${partial.rule.name}). Closest supported operations: ${[...new Set([partial.rule.name, ...closestOperations(partial.leftover)])].slice(0, 3).join(', ')}. ` +
        'See docs/edits.md for the catalogue.',
    );
  }
  fail(
    `The instruction part "${shown}" is not supported by the built-in engine. ` +
      `Closest supported operations: ${closestOperations(text).join(', ')}. See docs/edits.md for the catalogue.`,
  );
}

/** Tries "A with B" as two operations, A then B; undefined unless both parts parse fully. */
function splitOnWith(clause: string, quotes: readonly string[]): Operation[] | undefined {
  for (const m of clause.matchAll(/\s+with\s+/g)) {
    const left = clause.slice(0, m.index).trim();
    const right = clause.slice((m.index ?? 0) + m[0].length).trim();
    if (!left || !right) continue;
    try {
      return [...parseClause(left, quotes), ...parseClause(right, quotes)];
    } catch {
      // try the next "with"
    }
  }
  return undefined;
}

export function parseInstruction(prompt: string): Plan {
  // Characters as the API counts them (code points: an astral CJK character is one).
  const chars = Array.from(prompt).length;
  if (chars > MAX_PROMPT) fail(`The instruction is too long (${chars} characters; at most ${MAX_PROMPT}).`);
  original = prompt;
  const { text, quotes } = normalize(prompt);
  // A clause that is only a modifier of the previous one ("add text 'Hi', in red, large") is
  // parsed together with it.
  const parsed: { text: string; ops: Operation[] }[] = [];
  for (const clause of splitClauses(text)) {
    try {
      parsed.push({ text: clause, ops: parseClause(clause, quotes) });
    } catch (err) {
      // "black and white with high contrast": two operations joined by "with".
      const withSplit = splitOnWith(clause, quotes);
      if (withSplit) {
        parsed.push({ text: clause, ops: withSplit });
        continue;
      }
      const prev = parsed.at(-1);
      if (!prev) throw err;
      let merged: Operation[];
      try {
        merged = parseClause(`${prev.text} ${clause}`, quotes);
      } catch {
        throw err;
      }
      parsed[parsed.length - 1] = { text: `${prev.text} ${clause}`, ops: merged };
    }
  }
  const operations = parsed.flatMap((p) => p.ops);
  if (operations.length === 0) {
    fail(`The instruction is empty. Supported operations include: ${RULES.slice(0, 12).map((r) => r.name).join(', ')}, … (see docs/edits.md).`);
  }
  if (operations.length > MAX_OPERATIONS) fail(`The instruction has ${operations.length} operations; at most ${MAX_OPERATIONS} are supported.`);
  return { language: detectLanguage(text), operations };
}
