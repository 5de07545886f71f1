/**
 * From clauses to the plan: restatements merged ("cut out the subject and make the background
 * transparent" is one request), diagnoses dropped when another clause does the same, and the
 * constraints (preservation, negation) checked against the result.
 */
import { describeOperation, moduleOf, traitsOf } from '../ops/index.js';
import type { Aspect } from '../ops/spec.js';
import type { Operation } from '../plan.js';
import { quoteUser } from './quote.js';
import { negated } from './roles.js';

const ASPECT_WORDS: Record<Aspect, string> = { colour: 'the colours', geometry: 'the size or framing', background: 'the background', content: 'the subject' };

export interface Parsed {
  text: string;
  ops: Operation[];
  diagnosis: boolean;
}

const REPEATABLE: ReadonlySet<Operation['op']> = new Set(['rotate', 'flip', 'straighten']);
const same = (a: Operation, b: Operation): boolean => JSON.stringify(a) === JSON.stringify(b);
/** "Brighter, then darker": the same adjustment both ways is two edits, not a restatement. */
function opposite(a: Operation, b: Operation): boolean {
  const sign = (op: Operation): number =>
    'factor' in op && typeof op.factor === 'number' ? Math.sign(op.factor - 1) : op.op === 'temperature' ? Math.sign(op.amount) : 0;
  return sign(a) * sign(b) < 0;
}

export function assemble(parsed: Parsed[]): Operation[] {
  // A diagnosis ("the photo is too dark") restates what another clause does: keep the request only.
  const kept = parsed.filter((p) => {
    if (!p.diagnosis) return true;
    const others = new Set(parsed.filter((o) => o !== p).flatMap((o) => o.ops.map((op) => op.op)));
    return !p.ops.every((op) => others.has(op.op));
  });
  const out: Operation[] = [];
  let lastClause = -1;
  kept.forEach((p, clauseIndex) => {
    p.ops.forEach((op, k) => {
      const prev = out.at(-1);
      // "Cut out the subject and make the background transparent", "a few flat colours, poster
      // style": one request said twice in adjacent clauses; the later, more specific wording wins. The same
      // words repeated ("blur, blur") are repeated on purpose.
      const before = kept[clauseIndex - 1];
      const restated = before !== undefined && before.text !== p.text && (same(prev ?? op, op) || p.ops.length === 1) && !(prev && opposite(prev, op));
      const subsumed = prev !== undefined && (traitsOf(op.op).subsumes ?? []).includes(prev.op);
      if (prev && ((k === 0 && lastClause === clauseIndex - 1 && prev.op === op.op && !REPEATABLE.has(op.op) && restated) || subsumed)) {
        out[out.length - 1] = op;
        return;
      }
      out.push(op);
    });
    lastClause = clauseIndex;
  });
  return out;
}

/** A preservation or negation that the plan would break ("make it black and white, keep the colours unchanged"). */
export function constraintConflict(
  original: string,
  operations: readonly Operation[],
  keeps: readonly { text: string; topics: Aspect[] }[],
  nots: readonly string[],
  read: (text: string) => Operation[] | undefined,
): string | undefined {
  for (const keep of keeps) {
    for (const op of operations) {
      const clash = keep.topics.find((t) => traitsOf(op.op).changes.includes(t));
      if (clash) {
        return `The instruction contradicts itself: "${quoteUser(original, keep.text)}" keeps ${ASPECT_WORDS[clash]} unchanged, but "${describeOperation(op, 'en')}" changes ${ASPECT_WORDS[clash]}.`;
      }
    }
  }
  for (const not of nots) {
    const rest = negated(not) ?? '';
    const ops = read(rest);
    if (!ops) continue;
    const modules = new Set(ops.map((op) => moduleOf(op.op)));
    const clash = operations.find((op) => modules.has(moduleOf(op.op)));
    if (clash) return `The instruction contradicts itself: it asks for "${describeOperation(clash, 'en')}" and says "${quoteUser(original, not)}".`;
  }
  return undefined;
}
