/**
 * Runs one plan operation with the step of the module that owns it (ops/index.ts). Colour steps
 * work on RGB with alpha kept aside (steps/helpers.ts); geometry steps carry alpha themselves.
 */
import { fromSharp, toSharp, type Img } from '../image.js';
import { runOperation } from '../ops/index.js';
import type { Operation } from '../plan.js';
import type { StepContext } from './context.js';

/**
 * Only operations that mean to add transparency (remove background, cut-outs) may turn an opaque
 * image into one with alpha; libvips sometimes adds an opaque alpha band on the way (extend with
 * mirror, composites), which is dropped here.
 */
export async function applyOperation(img: Img, op: Operation, ctx: StepContext): Promise<Img> {
  const out = await runOperation(img, op, ctx);
  if (img.channels === 3 && out.channels === 4 && op.op !== 'removeBackground') {
    return fromSharp(toSharp(out).removeAlpha());
  }
  return out;
}
