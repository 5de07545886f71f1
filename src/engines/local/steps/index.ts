/**
 * Runs one plan operation with the step of the module that owns it (ops/index.ts): chained onto
 * the working pipeline when it can be (pipeline.ts), else on the pixels. Colour steps work on RGB
 * with alpha kept aside (steps/helpers.ts); geometry steps carry alpha themselves.
 */
import { fromSharp, toSharp } from '../image.js';
import { runOperation } from '../ops/index.js';
import { isPending, type Work } from '../pipeline.js';
import type { Operation } from '../plan.js';
import type { StepContext } from './context.js';

/**
 * Only operations that mean to add transparency (remove background, cut-outs) may turn an opaque
 * image into one with alpha; libvips sometimes adds an opaque alpha band on the way (extend with
 * mirror, composites), which is dropped here.
 */
export async function applyOperation(work: Work, op: Operation, ctx: StepContext): Promise<Work> {
  const out = await runOperation(work, op, ctx);
  if (work.channels === 3 && !isPending(out) && out.channels === 4 && op.op !== 'removeBackground') {
    return fromSharp(toSharp(out).removeAlpha());
  }
  return out;
}
