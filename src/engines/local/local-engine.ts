/**
 * The built-in CPU engine: parse the instruction into a plan (parser/), run its steps with libvips
 * (steps/, execute.ts), fit to the output size, watermark, encode PNG (with alpha when an
 * operation made the image transparent).
 */
import { MAX_OUTPUT_PIXELS, defaultOutputSize, parseSize, type Size } from '@retouch/sdk/protocol';
import { EditError, type EditRequest, type EditResult, type Engine } from '../engine.js';
import { runPlan } from './execute.js';
import { setupFonts } from './fonts.js';
import { fromSharp, toSharp } from './image.js';
import type { MlModels } from './ml/index.js';
import { parseNegativePrompt, type NegativeHints } from './negative.js';
import { describePlan, traitsOf } from './ops/index.js';
import { parseInstruction } from './parser/index.js';
import type { Plan } from './plan.js';
import { DEFAULT_PNG, Stage, applyPipe, encodePng, materialise, type PngOptions, type Work } from './pipeline.js';
import { watermarkPipe } from './watermark.js';

export interface LocalEngineOptions {
  /**
   * The ML models, or a loader for them. Default: `getMlModels()` from ./ml, imported on first
   * use so that instructions without ML operations never load it. Tests inject fakes here.
   */
  readonly ml?: MlModels | (() => Promise<MlModels>);
  /** For the default models: stop their worker thread after this long idle (0 = never). */
  readonly mlIdleTimeoutMs?: number;
  /** For the default models: recycle their worker after a request leaves it above this (RETOUCH_ML_RECYCLE_ABOVE). */
  readonly mlRecycleAboveBytes?: number;
  /** For the default models: RETOUCH_ISNET (the opt-in AGPL background-removal model). */
  readonly isnet?: string;
  /** For the default models: RETOUCH_ONNX_RUNTIME (native ONNX Runtime when it loads, or WebAssembly only). */
  readonly onnxRuntime?: 'auto' | 'web';
  /** For the default models: where to say which ONNX Runtime build they run on, once it has loaded. */
  readonly log?: { info(obj: object, msg: string): void };
  /** PNG encoding of results (RETOUCH_PNG_COMPRESSION, RETOUCH_PNG_ADAPTIVE_FILTER). */
  readonly png?: PngOptions;
}

/**
 * Fits the edited image to the output size: cover (centre crop), or contain on a blurred copy when
 * cropping is unwanted. The cover resize joins the edit's pipeline when sharp can place it there.
 */
export async function fitToOutput(work: Work, target: Size, hints: NegativeHints): Promise<Work> {
  if (work.width === target.width && work.height === target.height) return work;
  const enlarging = target.width * target.height > work.width * work.height * 1.2;
  const sameAspect = Math.abs(work.width / work.height - target.width / target.height) < 0.01;
  let out: Work;
  if (!hints.noCrop || sameAspect) {
    out = await applyPipe(work, {
      stage: Stage.Resize,
      width: target.width,
      height: target.height,
      apply: (p) => p.resize(target.width, target.height, { fit: 'cover', position: 'centre' }),
    });
  } else {
    const img = await materialise(work);
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
  if (hints.noBlur && enlarging) {
    out = await applyPipe(out, { stage: Stage.Sharpen, closes: true, width: out.width, height: out.height, apply: (p) => p.sharpen({ sigma: 0.8 }) });
  }
  return out;
}

/**
 * The output size. An instruction that states a size ("resize to 1024×768", "half the size",
 * "600 px wide", "twice as big", "upscale 2x") gets exactly that size, even outside the
 * 768*768–1280*1280 range of `parameters.size` (the steps bound it by the working limit): the
 * edited image is not refitted. With `parameters.size` too, the two must agree (±1 px) or the task
 * fails, rather than succeed with a size that is not what was asked. Otherwise `size`, or about
 * 1280×1280 at the edited aspect.
 */
export function outputSize(plan: Plan, edited: Size, requested: Size | undefined): Size {
  const stated = plan.operations.some((op) => traitsOf(op.op).sizing === true);
  if (!stated) return requested ?? defaultOutputSize(edited.width, edited.height);
  if (requested && (Math.abs(requested.width - edited.width) > 1 || Math.abs(requested.height - edited.height) > 1)) {
    const asked = `The instruction asks for an output of ${edited.width}×${edited.height} pixels, but parameters.size is ${requested.width}*${requested.height}.`;
    // "Make them agree" cannot be done when parameters.size may not take the stated size.
    const settable = typeof parseSize(`${edited.width}*${edited.height}`) !== 'string';
    throw new EditError(
      'InvalidParameter',
      settable
        ? `${asked} Drop one of them or make them agree.`
        : `${asked} parameters.size must be within 768*768–1280*1280 pixels and 1:4–4:1, so it cannot be ${edited.width}*${edited.height}: drop it to get ${edited.width}×${edited.height}.`,
    );
  }
  return { width: edited.width, height: edited.height };
}

/** Runs the steps given to it one at a time, in arrival order. */
function oneAtATime(): <T>(step: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(step: () => Promise<T>): Promise<T> => {
    const run = tail.then(step, step);
    tail = run.catch(() => undefined);
    return run;
  };
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
    else
      models = (await import('./ml/index.js')).getMlModels({
        idleTimeoutMs: options.mlIdleTimeoutMs,
        recycleAboveBytes: options.mlRecycleAboveBytes,
        workerData: { isnet: options.isnet, onnxRuntime: options.onnxRuntime },
        onOnnxRuntime: (detail) => options.log?.info({ onnxRuntime: detail }, 'ML models: ONNX Runtime loaded'),
      });
    return models;
  };

  setupFonts();
  const pngOptions = options.png ?? DEFAULT_PNG;
  const mlTurn = oneAtATime();

  return {
    name: 'local',
    async edit(request: EditRequest): Promise<EditResult> {
      const plan = planFor(request.prompt);
      const hints = parseNegativePrompt(request.negativePrompt);
      const outputPixels = request.size ? request.size.width * request.size.height : MAX_OUTPUT_PIXELS;
      const edited = await runPlan(plan, request.images, { seed: request.seed, signal: request.signal, hints, ml: loadMl, mlTurn, outputPixels });
      const target = outputSize(plan, edited, request.size);
      let out = await fitToOutput(edited, target, hints);
      request.signal.throwIfAborted();
      if (request.watermark) out = await applyPipe(out, await watermarkPipe(out));
      const png = await encodePng(out, pngOptions);
      return request.promptExtend ? { png, actualPrompt: describePlan(plan) } : { png };
    },
    async close() {
      const m = models;
      models = undefined;
      if (m) await m.close();
    },
  };
}
