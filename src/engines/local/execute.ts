/**
 * The plan executor: runs the operations in order on the current image (image 1 at first), with
 * a cancel/deadline check between steps. Inputs are decoded only when an operation needs them;
 * steps that libvips can chain run as one pipeline with the decode (pipeline.ts).
 */
import { EditError } from '../engine.js';
import { MAX_WORKING_PIXELS, type Img } from './image.js';
import type { MlModels } from './ml/index.js';
import type { NegativeHints } from './negative.js';
import { imageRefs, inputsUsed, type Operation, type Plan } from './plan.js';
import { traitsOf } from './ops/index.js';
import { decodeInput, materialise, type Work } from './pipeline.js';
import { opSeed } from './rng.js';
import type { StepContext } from './steps/context.js';
import { applyOperation } from './steps/index.js';

export interface RunOptions {
  readonly seed: number;
  readonly signal: AbortSignal;
  readonly hints: NegativeHints;
  readonly ml: () => Promise<MlModels>;
  /** See StepContext.mlTurn. */
  readonly mlTurn?: <T>(step: () => Promise<T>) => Promise<T>;
  /**
   * Pixels of the final output. Inputs larger than the plan needs for it are shrunk on load
   * (see workingBudget); undefined keeps full resolution.
   */
  readonly outputPixels?: number;
}

/**
 * The working resolution a plan needs: twice the output pixels, more when crops zoom in. Plans
 * with sizes in absolute pixels (resize, upscale, "20px border", "blur radius 5") or whose result
 * size depends on content (trim) keep the full input resolution.
 */
export function workingBudget(plan: Plan, outputPixels: number): number | undefined {
  let zoom = 1;
  for (const op of plan.operations) {
    switch (op.op) {
      case 'resize':
      case 'resizeTo':
      case 'upscale':
      case 'trim':
        return undefined;
      case 'border':
        if (op.pixels) return undefined;
        break;
      case 'blur':
        if (op.sigma !== undefined) return undefined;
        break;
      case 'cropCenter':
        zoom *= op.fraction * op.fraction;
        break;
      case 'cropRegion':
        zoom *= 0.5;
        break;
      case 'cropAspect':
        zoom *= 0.3;
        break;
      default:
        break;
    }
  }
  return Math.min(MAX_WORKING_PIXELS, Math.max(1_000_000, (2 * outputPixels) / zoom));
}

const isFusion = (op: Operation): boolean => traitsOf(op.op).fusion === true;

/** Fails before any pixel work when the plan refers to an image the request does not have. */
export function checkImageRefs(plan: Plan, imageCount: number): void {
  for (const op of plan.operations) {
    const refs = imageRefs(op);
    if (refs.some((k) => k < 1)) {
      throw new EditError('InvalidParameter', 'The instruction refers to image 0, but input images are numbered from 1 ("image 1" is the first).');
    }
    const k = Math.max(...refs);
    if (k > imageCount) {
      throw new EditError(
        'InvalidParameter',
        `The instruction refers to image ${k}, but the request has ${imageCount} input image${imageCount === 1 ? '' : 's'}.`,
      );
    }
  }
  if (imageCount > 3) throw new EditError('InvalidParameter', `At most 3 input images are supported, got ${imageCount}.`);
  for (const op of plan.operations) {
    if (op.op === 'collage' && inputsUsed(op, imageCount).length < 2) {
      throw new EditError('InvalidParameter', `Combining images needs at least 2 input images; the request has ${imageCount}.`);
    }
  }
  // An edit of one input must feed the result: image 1 before anything is combined, or an input
  // that a later operation combines. Otherwise it would silently change nothing.
  let fused = false;
  plan.operations.forEach((op, i) => {
    const k = op.image;
    if (k !== undefined && !(k === 1 && !fused)) {
      const usedLater = plan.operations.slice(i + 1).some((later) => inputsUsed(later, imageCount).includes(k));
      if (!usedLater) {
        throw new EditError(
          'InvalidParameter',
          `The instruction edits image ${k} but does not use it afterwards; edit it before combining it (for example "rotate image ${k}, then put image 1 and image ${k} side by side").`,
        );
      }
    }
    if (isFusion(op)) fused = true;
  });
}

/**
 * Runs the plan and returns the edited image before the final fit to the output size: pixels, or
 * the pipeline that computes them when the last steps could be chained (pipeline.ts).
 */
export async function runPlan(plan: Plan, inputs: readonly Buffer[], options: RunOptions): Promise<Work> {
  if (inputs.length === 0) throw new EditError('InvalidParameter', 'At least one input image is required.');
  checkImageRefs(plan, inputs.length);
  const budget = options.outputPixels === undefined ? undefined : workingBudget(plan, options.outputPixels);
  // Input k as edited so far (image 1: as it was at the first fusion); decoded when first needed.
  const work: (Work | undefined)[] = inputs.map(() => undefined);
  const input = async (k: number): Promise<Work> => {
    const have = work[k - 1];
    if (have) return have;
    const buf = inputs[k - 1];
    if (!buf) throw new EditError('InvalidParameter', `The instruction refers to image ${k}, which was not given.`);
    const w = await decodeInput(buf, `input.images[${k - 1}]`, budget);
    work[k - 1] = w;
    return w;
  };
  /** The pixels of input k, kept so that they are computed once. */
  const pixels = async (k: number): Promise<Img> => {
    const img = await materialise(await input(k));
    work[k - 1] = img;
    return img;
  };
  let current = await input(1);
  let fused = false;
  for (const [index, op] of plan.operations.entries()) {
    options.signal.throwIfAborted();
    const ctx: StepContext = {
      seed: opSeed(options.seed, index),
      signal: options.signal,
      hints: options.hints,
      imageCount: inputs.length,
      // Image 1 is the current result until a fusion; afterwards, image 1 as it was then.
      image: async (k) => {
        if (k !== 1 || fused) return pixels(k);
        current = await materialise(current);
        return current;
      },
      ml: options.ml,
      ...(options.mlTurn ? { mlTurn: options.mlTurn } : {}),
    };
    if (op.image !== undefined && !(op.image === 1 && !fused)) {
      work[op.image - 1] = await applyOperation(await input(op.image), op, ctx);
      continue;
    }
    current = await applyOperation(current, op, ctx);
    if (isFusion(op)) fused = true;
    else if (!fused) work[0] = current;
  }
  options.signal.throwIfAborted();
  return current;
}
