/** Shared by the operation steps: colour work on RGB only, and loading the ML models. */
import { splitAlpha, withAlpha, type Img } from '../image.js';
import type { MlModels } from '../ml/index.js';
import type { StepContext } from './context.js';
import { mlUnavailable } from './ml.js';

/** Runs `fn` on the RGB channels; an alpha channel is kept aside and re-attached (a cut-out stays transparent). */
export async function rgbOnly(img: Img, fn: (rgb: Img) => Img | Promise<Img>): Promise<Img> {
  const { rgb, alpha } = await splitAlpha(img);
  const out = await fn(rgb);
  if (!alpha) return out;
  const { rgb: outRgb } = await splitAlpha(out);
  return withAlpha(outRgb, alpha);
}

export async function models(ctx: StepContext, what: string): Promise<MlModels> {
  try {
    return await ctx.ml();
  } catch (err) {
    throw mlUnavailable(what, err);
  }
}
