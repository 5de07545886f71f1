/**
 * The built-in CPU engine: parse the instruction into a plan (parser/), run its steps with libvips
 * (steps/, execute.ts), fit to the output size, watermark, encode PNG (with alpha when an
 * operation made the image transparent).
 */
import { MAX_OUTPUT_PIXELS, defaultOutputSize, type Size } from '@retouch/sdk/protocol';
import { EditError, type EditRequest, type EditResult, type Engine } from '../engine.js';
import { runPlan } from './execute.js';
import { setupFonts } from './fonts.js';
import { fromSharp, toSharp, type Img } from './image.js';
import type { MlModels } from './ml/index.js';
import { parseNegativePrompt, type NegativeHints } from './negative.js';
import { describePlan, traitsOf } from './ops/index.js';
import { parseInstruction } from './parser/index.js';
import type { Plan } from './plan.js';
import { applyWatermark } from './watermark.js';

export interface LocalEngineOptions {
  /**
   * The ML models, or a loader for them. Default: `getMlModels()` from ./ml, imported on first
   * use so that instructions without ML operations never load it. Tests inject fakes here.
   */
  readonly ml?: MlModels | (() => Promise<MlModels>);
  /** For the default models: stop their worker thread after this long idle (0 = never). */
  readonly mlIdleTimeoutMs?: number;
  /** For the default models: RETOUCH_ISNET (the opt-in AGPL background-removal model). */
  readonly isnet?: string;
}

/** Fits the edited image to the output size: cover (centre crop), or contain on a blurred copy when cropping is unwanted. */
export async function fitToOutput(img: Img, target: Size, hints: NegativeHints): Promise<Img> {
  if (img.width === target.width && img.height === target.height) return img;
  const enlarging = target.width * target.height > img.width * img.height * 1.2;
  const sameAspect = Math.abs(img.width / img.height - target.width / target.height) < 0.01;
  let out: Img;
  if (!hints.noCrop || sameAspect) {
    out = await fromSharp(toSharp(img).resize(target.width, target.height, { fit: 'cover', position: 'centre' }));
  } else {
    const bg = await fromSharp(
      toSharp(img)
        .resize(target.width, target.height, { fit: 'cover' })
        .blur(Math.max(4, Math.min(target.width, target.height) * 0.04)),
    );
    const fg = await fromSharp(toSharp(img).resize(target.width, target.height, { fit: 'inside' }));
    out = await fromSharp(
      toSharp(bg).composite([
        {
          input: fg.data,
          raw: { width: fg.width, height: fg.height, channels: fg.channels },
          left: Math.floor((target.width - fg.width) / 2),
          top: Math.floor((target.height - fg.height) / 2),
        },
      ]),
    );
  }
  if (hints.noBlur && enlarging) out = await fromSharp(toSharp(out).sharpen({ sigma: 0.8 }));
  return out;
}

/**
 * The output size. An instruction that states a size ("resize to 1024×768", "half the size",
 * "600 px wide", "upscale 2x") gets exactly that size: the edited image is not refitted. With
 * `parameters.size` too, the two must agree (±1 px) or the task fails, rather than succeed with a
 * size that is not what was asked. Otherwise `size`, or about 1280×1280 at the edited aspect.
 */
export function outputSize(plan: Plan, edited: Img, requested: Size | undefined): Size {
  const stated = plan.operations.some((op) => traitsOf(op.op).sizing === true);
  if (!stated) return requested ?? defaultOutputSize(edited.width, edited.height);
  if (requested && (Math.abs(requested.width - edited.width) > 1 || Math.abs(requested.height - edited.height) > 1)) {
    throw new EditError(
      'InvalidParameter',
      `The instruction asks for an output of ${edited.width}×${edited.height} pixels, but parameters.size is ${requested.width}*${requested.height}. Drop one of them or make them agree.`,
    );
  }
  return { width: edited.width, height: edited.height };
}

export function createLocalEngine(options: LocalEngineOptions = {}): Engine {
  // Parsing is pure; tasks with n>1 ask for the same prompt n times.
  let last: { prompt: string; plan: Plan } | undefined;
  const planFor = (prompt: string): Plan => {
    if (last?.prompt !== prompt) last = { prompt, plan: parseInstruction(prompt) };
    return last.plan;
  };

  let models: MlModels | undefined;
  const loadMl = async (): Promise<MlModels> => {
    if (models) return models;
    const given = options.ml;
    if (typeof given === 'function') models = await given();
    else if (given) models = given;
    else models = (await import('./ml/index.js')).getMlModels({ idleTimeoutMs: options.mlIdleTimeoutMs, workerData: { isnet: options.isnet } });
    return models;
  };

  setupFonts();

  return {
    name: 'local',
    async edit(request: EditRequest): Promise<EditResult> {
      const plan = planFor(request.prompt);
      const hints = parseNegativePrompt(request.negativePrompt);
      const outputPixels = request.size ? request.size.width * request.size.height : MAX_OUTPUT_PIXELS;
      const edited = await runPlan(plan, request.images, { seed: request.seed, signal: request.signal, hints, ml: loadMl, outputPixels });
      const target = outputSize(plan, edited, request.size);
      let out = await fitToOutput(edited, target, hints);
      request.signal.throwIfAborted();
      if (request.watermark) out = await applyWatermark(out);
      const png = await toSharp(out).png().toBuffer();
      return request.promptExtend ? { png, actualPrompt: describePlan(plan) } : { png };
    },
    async close() {
      const m = models;
      models = undefined;
      if (m) await m.close();
    },
  };
}
