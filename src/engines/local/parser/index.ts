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
import { BASIC_RULES } from './rules-basic.js';
import { ML_AND_FUSION_RULES, type Rule } from './rules.js';
import { detectLanguage, splitClauses } from './split.js';

export const RULES: readonly Rule[] = [...ML_AND_FUSION_RULES, ...BASIC_RULES];

const MAX_PROMPT = 2000;
const MAX_OPERATIONS = 20;

/** The clause as the user can recognise it: tokens turned back into words. */
function display(text: string, quotes: readonly string[]): string {
  return text
    .replace(/⟦q(\d+)⟧/g, (_m, n: string) => `"${quotes[Number(n)] ?? ''}"`)
    .replace(/⟦i(\d)⟧/g, 'image $1')
    .replace(/⟦iall⟧/g, 'all images')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 120);
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
export function closestOperations(clause: string, count = 3): string[] {
  const words = (clause.match(/[a-z]{3,}/g) ?? []).filter((w) => !FILLER_EN.has(w));
  const han = new Set(clause.match(/[\u3400-\u9fff]/g) ?? []);
  const scored = RULES.map((rule) => {
    let best = 0;
    for (const keyword of rule.keywords) {
      for (const kw of keyword.split(/\s+/)) {
        if (/[\u3400-\u9fff]/.test(kw)) {
          const chars = [...kw];
          const shared = chars.filter((ch) => han.has(ch)).length;
          best = Math.max(best, shared / chars.length);
        } else if (kw.length >= 3 && !FILLER_EN.has(kw)) {
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
  return (names.length > 0 ? names : ['grayscale', 'rotate', 'crop', 'brightness', 'add text']).slice(0, count);
}

function fail(message: string): never {
  throw new EditError('InvalidParameter', message);
}

function parseClause(text: string, quotes: readonly string[]): Operation[] {
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

export function parseInstruction(prompt: string): Plan {
  if (prompt.length > MAX_PROMPT) fail(`The instruction is too long (${prompt.length} characters; at most ${MAX_PROMPT}).`);
  const { text, quotes } = normalize(prompt);
  // A clause that is only a modifier of the previous one ("add text 'Hi', in red, large") is
  // parsed together with it.
  const parsed: { text: string; ops: Operation[] }[] = [];
  for (const clause of splitClauses(text)) {
    try {
      parsed.push({ text: clause, ops: parseClause(clause, quotes) });
    } catch (err) {
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
