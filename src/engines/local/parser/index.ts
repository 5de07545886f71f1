/**
 * Instruction parser: free text (English, Chinese or both) → Plan.
 *
 * normalize (quotes, numbers, spellings, image references) → split into ordered clauses → give each
 * clause its role (parser/roles.ts): politeness and purpose are dropped, preservation and negation
 * become constraints checked against the plan, and every other clause must be an operation: the
 * operation modules (ops/) whose trigger matches take the words they understand, and what is left
 * is judged (parser/leftover.ts). Only a clause the engine cannot carry out fails the task; the
 * message quotes the user's words, says whether a generative model is needed and how to route
 * one, and suggests operations close in meaning.
 *
 * `parseInstruction` is the stable entry point (a Plan or a thrown EditError); `understand` is the
 * same without throwing, for routing decisions.
 */
import { EditError } from '../../engine.js';
import { OPERATIONS } from '../ops/index.js';
import { assemble, constraintConflict, type Parsed } from './assemble.js';
import type { Aspect, OpModule } from '../ops/spec.js';
import type { Operation, Plan } from '../plan.js';
import { Clause } from './clause.js';
import { generativeKind, generativeMessage, namesGenerativeStyle, type GenerativeKind } from './generative.js';
import { asksToChange, judgeLeftover, objectsIn } from './leftover.js';
import { normalize } from './normalize.js';
import { quoteUser, quoteWord } from './quote.js';
import { isDiagnosis, isPoliteness, isPurpose, mayBePurpose, negated, preservation, splitKeep, splitPurpose, stripPoliteness } from './roles.js';
import { detectLanguage, splitClauses } from './split.js';
import { STYLE_ALTERNATIVES, suggest } from './suggest.js';

export type Understanding = { readonly ok: true; readonly plan: Plan } | { readonly ok: false; readonly generative: boolean; readonly message: string };

const MAX_PROMPT = 2000;
/** "fix it", "修一下": points back at a diagnosis clause. */
const BACK_REFERENCE = /^(?:fix|correct|repair|improve|sort\s+out)\s+(?:it|this|that)(?:\s+up)?$|^(?:帮我)?修(?:一下|好|复|正)?(?:它|吧)?$/;
const MAX_OPERATIONS = 20;

interface Failure {
  readonly generative: boolean;
  readonly message: string;
  /** Worth reading together with a neighbouring clause (not a plainly generative request). */
  readonly mergeable?: boolean;
}
type Reading = { readonly ops: Operation[] } | { readonly failure: Failure };

/** Per-parse state: the user's prompt (for quoting) and the lifted quotes. */
interface Context {
  readonly original: string;
  readonly quotes: readonly string[];
}

function shown(ctx: Context, text: string): string {
  const withQuotes = text.replace(/⟦q(\d+)⟧/g, (_m, n: string) => `"${ctx.quotes[Number(n)] ?? ''}"`);
  if (/⟦q\d+⟧/.test(text)) {
    // Quoted text is the user's own: show the clause with it in place.
    return withQuotes
      .replace(/⟦i(\d)⟧/g, 'image $1')
      .replace(/⟦iall⟧/g, 'all images')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 120);
  }
  return quoteUser(ctx.original, text);
}

const catalogueHint = (names: readonly string[]): string =>
  names.length > 0 ? `Closest supported operations: ${names.join(', ')}. See docs/edits.md for the catalogue.` : 'See docs/edits.md for the catalogue.';

function generativeFailure(ctx: Context, text: string, kind: GenerativeKind, detail?: string): Failure {
  const alternatives = kind === 'style' ? ` Closest supported operations: ${STYLE_ALTERNATIVES.join(', ')} (deterministic styles).` : '';
  return { generative: true, message: generativeMessage(shown(ctx, text), kind, detail) + alternatives };
}

/** "the sky", "her coat": the words as the user wrote them, once each. */
function named(ctx: Context, words: readonly string[]): string {
  const seen = new Set<string>();
  for (const w of words) {
    const q = quoteWord(ctx.original, w);
    if (q) seen.add(`"${q}"`);
  }
  return [...seen].join(', ');
}

/** Offers the clause to every module whose trigger matches; a clean reading wins, then one with only harmless words left. */
function readWithModules(ctx: Context, text: string): Reading {
  const candidates: { module: OpModule; clause: Clause; ops: Operation[]; target: number | 'all' | undefined }[] = [];
  for (const module of OPERATIONS) {
    const clause = new Clause(text, ctx.quotes);
    if (!clause.has(module.trigger)) continue;
    const out = module.parse(clause);
    if (out === undefined) continue;
    const ops = Array.isArray(out) ? out : [out];
    // An image reference left over ("rotate image 2") says which input the edit applies to.
    candidates.push({ module, clause, ops, target: clause.target() });
    if (clause.leftover() === '') break;
  }
  let partial: { module: OpModule; objects: readonly string[]; unknown: readonly string[] } | undefined;
  // A reading that took every word beats one that left describing words over.
  candidates.sort((a, b) => Number(a.clause.leftover() !== '') - Number(b.clause.leftover() !== ''));
  for (const { module, clause, ops, target } of candidates) {
    const judgement = judgeLeftover(clause);
    if (judgement.objects.length === 0 && judgement.unknown.length === 0) {
      if (target === 'all') {
        return {
          failure: {
            generative: false,
            message: `"${shown(ctx, text)}": an edit can apply to one image at a time; name it ("image 2", "图2") or combine the images first.`,
          },
        };
      }
      return { ops: target === undefined ? ops : ops.map((op) => ({ ...op, image: target })) };
    }
    if (!partial || (judgement.objects.length > 0 && partial.objects.length === 0)) partial = { module, ...judgement };
  }
  if (partial && partial.objects.length > 0) {
    const things = named(ctx, partial.objects);
    return {
      failure: {
        generative: true,
        mergeable: true,
        message: `${generativeMessage(shown(ctx, text), 'object', `${things || 'that'} is a specific part of the picture, and the built-in ${partial.module.name} works on the whole image`)} ${catalogueHint([partial.module.name])}`,
      },
    };
  }
  if (partial) {
    const words = quoteUser(ctx.original, partial.unknown.join(' '));
    const names = [...new Set([partial.module.name, ...suggest(partial.unknown.join(' '))])].slice(0, 3);
    return {
      failure: {
        generative: false,
        message: `The instruction part "${shown(ctx, text)}" was not fully understood: "${words}" is not supported (understood as: ${partial.module.name}). ${catalogueHint(names)}`,
      },
    };
  }
  if (asksToChange(text)) {
    return { failure: generativeFailure(ctx, text, 'object', named(ctx, objectsIn(text)) || undefined) };
  }
  return {
    failure: {
      generative: false,
      message: `The instruction part "${shown(ctx, text)}" is not supported by the built-in engine. ${catalogueHint(suggest(text))}`,
    },
  };
}

/** One operation clause: generative requests refused, then the clause read with or without a trailing purpose. */
function readClause(ctx: Context, text: string): Reading {
  const split = splitPurpose(text);
  const core = split?.core ?? text;
  const kind = generativeKind(core);
  if (kind) return { failure: generativeFailure(ctx, text, kind) };
  if (split && namesGenerativeStyle(split.tail)) return { failure: generativeFailure(ctx, text, 'style') };
  const first = readWithModules(ctx, core);
  if ('ops' in first || !split) return first;
  const whole = readWithModules(ctx, text);
  if ('ops' in whole) return whole;
  // What looked like a purpose was the request ("…you to make the table look like marble").
  const wholeKind = generativeKind(text);
  return wholeKind ? { failure: generativeFailure(ctx, text, wholeKind) } : first;
}

/** Tries "A with B" as two operations, A then B. */
function readWith(ctx: Context, text: string): Operation[] | undefined {
  for (const m of text.matchAll(/\s+with\s+/g)) {
    const left = text.slice(0, m.index).trim();
    const right = text.slice((m.index ?? 0) + m[0].length).trim();
    if (!left || !right) continue;
    const a = readClause(ctx, left);
    const b = readClause(ctx, right);
    if ('ops' in a && 'ops' in b) return [...a.ops, ...b.ops];
  }
  return undefined;
}

export function understand(prompt: string): Understanding {
  const chars = Array.from(prompt).length;
  if (chars > MAX_PROMPT) return { ok: false, generative: false, message: `The instruction is too long (${chars} characters; at most ${MAX_PROMPT}).` };
  const { text, quotes } = normalize(prompt);
  const ctx: Context = { original: prompt, quotes };
  const clauses = splitClauses(text);
  const parsed: Parsed[] = [];
  const failures: Failure[] = [];
  const keeps: { text: string; topics: Aspect[] }[] = [];
  const nots: string[] = [];
  let lastKeep = -2;
  const quiet: Failure[] = [];
  for (let i = 0; i < clauses.length; i += 1) {
    let clause = stripPoliteness(clauses[i] as string);
    if (clause === '') continue;
    const keepTail = preservation(clause) ? undefined : splitKeep(clause);
    if (keepTail) {
      keeps.push({ text: keepTail.keep, topics: preservation(keepTail.keep)?.topics ?? [] });
      clause = keepTail.core;
    }
    if (isPoliteness(clause)) continue;
    // "Keep the composition and the subject exactly as they are": the second half continues the first.
    const kept = preservation(clause) ?? (lastKeep === i - 1 ? preservation(`keep ${clause}`) : undefined);
    if (kept) {
      lastKeep = i;
      keeps.push({ text: clause, topics: kept.topics });
      continue;
    }
    const not = negated(clause);
    if (not !== undefined) {
      nots.push(clause);
      continue;
    }
    if (isPurpose(clause)) {
      if (namesGenerativeStyle(clause)) failures.push(generativeFailure(ctx, clause, 'style'));
      continue;
    }
    const reading = readClause(ctx, clause);
    if ('ops' in reading) {
      parsed.push({ text: clause, ops: reading.ops, diagnosis: isDiagnosis(clause) });
      continue;
    }
    if (mayBePurpose(clause) && !reading.failure.generative) continue;
    // "The image is too big, …", "…, can you fix it?": what is wrong, or a pointer back to it.
    if ((isDiagnosis(clause) || BACK_REFERENCE.test(clause)) && !reading.failure.generative) {
      quiet.push(reading.failure);
      continue;
    }
    // A clause that only adds detail ("add text 'Hi', in red"): read with its neighbour.
    const prev = parsed.at(-1);
    if (prev && (!reading.failure.generative || reading.failure.mergeable)) {
      const merged = readClause(ctx, `${prev.text} ${clause}`);
      if ('ops' in merged) {
        parsed[parsed.length - 1] = { text: `${prev.text} ${clause}`, ops: merged.ops, diagnosis: prev.diagnosis };
        continue;
      }
    }
    // …or with the clauses after it ("图1在上，图2在下，拼成长图").
    let joined = false;
    for (let k = 1; k <= 2 && (!reading.failure.generative || reading.failure.mergeable) && i + k < clauses.length; k += 1) {
      const text = clauses.slice(i, i + k + 1).join(' ');
      const merged = readClause(ctx, text);
      if ('ops' in merged) {
        parsed.push({ text, ops: merged.ops, diagnosis: false });
        i += k;
        joined = true;
        break;
      }
    }
    if (joined) continue;
    const withSplit = reading.failure.generative ? undefined : readWith(ctx, clause);
    if (withSplit) {
      parsed.push({ text: clause, ops: withSplit, diagnosis: false });
      continue;
    }
    failures.push(reading.failure);
  }
  if (failures.length > 0) {
    const first = failures.find((f) => f.generative) ?? (failures[0] as Failure);
    const rest = failures.filter((f) => f !== first).slice(0, 1);
    return { ok: false, generative: failures.some((f) => f.generative), message: [first.message, ...rest.map((f) => `Also: ${f.message}`)].join(' ') };
  }
  const operations = assemble(parsed);
  if (operations.length === 0 && quiet.length > 0) return { ok: false, generative: false, message: (quiet[0] as Failure).message };
  if (operations.length === 0) {
    if (nots.length > 0) {
      return {
        ok: false,
        generative: false,
        message: `The instruction "${quoteUser(prompt, nots.join(' '))}" only says what not to do; the built-in engine carries out edits. Say the edit, and put what the result should avoid in negative_prompt.`,
      };
    }
    return {
      ok: false,
      generative: false,
      message: `The instruction is empty. Supported operations include: ${OPERATIONS.slice(0, 12)
        .map((m) => m.name)
        .join(', ')}, … (see docs/edits.md).`,
    };
  }
  const conflict = constraintConflict(ctx.original, operations, keeps, nots, (text) => {
    const r = readClause(ctx, text);
    return 'ops' in r ? r.ops : undefined;
  });
  if (conflict) return { ok: false, generative: false, message: conflict };
  if (operations.length > MAX_OPERATIONS) {
    return { ok: false, generative: false, message: `The instruction has ${operations.length} operations; at most ${MAX_OPERATIONS} are supported.` };
  }
  return { ok: true, plan: { language: detectLanguage(text), operations } };
}

export function parseInstruction(prompt: string): Plan {
  const result = understand(prompt);
  if (!result.ok) throw new EditError('InvalidParameter', result.message);
  return result.plan;
}
