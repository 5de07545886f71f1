/**
 * The working image as a libvips pipeline that has not run yet. Steps that libvips can chain
 * (a `pipe` in their operation module: colour matrices, modulate, blur, crops, 90° rotations,
 * borders, text) are appended to one sharp pipeline instead of being materialised as raw pixels
 * after each step; a step that needs the pixels in JS (posterize, grain, the ML models…) or one
 * that sharp cannot place after what is already in the pipeline materialises it first. Decoding,
 * the chained steps, the final fit and the PNG encode then run as one pipeline, which libvips
 * streams through its worker threads.
 *
 * sharp runs the operations of one pipeline in a fixed order, whatever order they were called in
 * (https://sharp.pixelplumbing.com/api-operation): `Stage` lists that order, and a step joins a
 * pipeline only when its stage comes after every stage already in it, so the result is the one
 * the steps give one by one.
 */
import sharp, { type Sharp } from 'sharp';
import { EditError } from '../engine.js';
import { MAX_WORKING_PIXELS, decode, fromSharp, undecodable, splitAlpha, toSharp, withAlpha, type Img } from './image.js';

/** sharp's order of operations within one pipeline (src/pipeline.cc), for the ones the steps use. */
export enum Stage {
  Flip = 1,
  Rotate,
  Extract,
  Resize,
  Extend,
  Median,
  Blur,
  Recomb,
  Modulate,
  Sharpen,
  Composite,
  Linear,
  Normalise,
  Negate,
}

/** One step as libvips operations on a pipeline. */
export interface Pipe {
  /** Its first and last stage (auto-enhance is modulate then normalise). */
  readonly stage: Stage;
  readonly until?: Stage;
  /**
   * The step leaves values that are not clipped 8-bit (recomb, composite, sharpen): nothing may
   * follow it in the same pipeline, or it would see what step-by-step work would have clipped.
   */
  readonly closes?: true;
  /** Colour work: on an image with alpha it runs on RGB, with the alpha channel kept aside. */
  readonly rgb?: true;
  /** The size of the result. */
  readonly width: number;
  readonly height: number;
  apply(pipeline: Sharp): Sharp;
}

/** A 3-channel sRGB image still to be computed by `build()`. */
export interface Pending {
  readonly width: number;
  readonly height: number;
  readonly channels: 3;
  /** Stages already in the pipeline. */
  readonly stages: readonly Stage[];
  readonly closed: boolean;
  /** The input it decodes (e.g. "input.images[0]"), when a decode is part of it: its errors are the caller's bad input. */
  readonly decodes?: string;
  build(): Sharp;
}

/** The working image: raw pixels, or a pipeline that yields them. */
export type Work = Img | Pending;

export const isPending = (w: Work): w is Pending => !('data' in w);

/** Starts a pipeline on raw pixels. */
export function pending(img: Img & { channels: 3 }): Pending {
  return { width: img.width, height: img.height, channels: 3, stages: [], closed: false, build: () => toSharp(img) };
}

/** Whether `pipe` can run inside `p` after what is already there. */
export function fits(p: Pending, pipe: Pipe): boolean {
  if (p.closed) return false;
  const last = Math.max(0, ...p.stages);
  if (pipe.stage <= last) return false;
  // A flip runs after extract and resize in sharp; those placed after it would run before it.
  if (p.stages.includes(Stage.Flip) && (pipe.stage === Stage.Extract || pipe.stage === Stage.Resize)) return false;
  return true;
}

function join(p: Pending, pipe: Pipe): Pending {
  const { build } = p;
  return {
    width: pipe.width,
    height: pipe.height,
    channels: 3,
    stages: [...p.stages, pipe.stage, ...(pipe.until ? [pipe.until] : [])],
    closed: pipe.closes === true,
    decodes: p.decodes,
    build: () => pipe.apply(build()),
  };
}

/** Runs `pipe` on the working image: chained when it fits, else on the materialised pixels. */
export async function applyPipe(work: Work, pipe: Pipe): Promise<Work> {
  if (isPending(work)) {
    if (fits(work, pipe)) return join(work, pipe);
    return applyPipe(await materialise(work), pipe);
  }
  if (work.channels === 3) return join(pending(work as Img & { channels: 3 }), pipe);
  // With alpha: colour work on RGB (alpha re-attached), geometry on all four channels.
  if (pipe.rgb) {
    const { rgb, alpha } = await splitAlpha(work);
    return withAlpha(await fromSharp(pipe.apply(toSharp(rgb))), alpha);
  }
  return fromSharp(pipe.apply(toSharp(work)));
}

async function run<T>(p: Pending, fn: (s: Sharp) => Promise<T>): Promise<T> {
  try {
    // A pending image is opaque; composites add an alpha band on the way, dropped here.
    return await fn(p.build().removeAlpha());
  } catch (err) {
    if (p.decodes === undefined || err instanceof EditError) throw err;
    throw undecodable(p.decodes, err);
  }
}

/** The pixels of the working image. */
export async function materialise(work: Work): Promise<Img> {
  return isPending(work) ? run(work, fromSharp) : work;
}

export interface PngOptions {
  /** zlib level 0–9 (RETOUCH_PNG_COMPRESSION). */
  readonly compressionLevel: number;
  /** libvips' adaptive row filtering: smaller files for photos, about twice the encode time. */
  readonly adaptiveFiltering: boolean;
}

/** The engine's default (RETOUCH_PNG_COMPRESSION's): measured in bench/engine-ops.ts --png (docs/benchmarks.md). */
export const DEFAULT_PNG: PngOptions = { compressionLevel: 3, adaptiveFiltering: false };

/** Encodes the working image as PNG (with alpha when it has it), running any pending pipeline. */
export async function encodePng(work: Work, options: PngOptions): Promise<Buffer> {
  const png = (s: Sharp): Promise<Buffer> => s.toColourspace('srgb').png(options).toBuffer();
  return isPending(work) ? run(work, png) : png(toSharp(work));
}

/**
 * Starts the working image from an input: a pipeline that decodes it when it is plain 8-bit sRGB
 * without alpha or an EXIF rotation (most photos), else (grey, CMYK, 16-bit, alpha, rotated)
 * decoded to 3-channel sRGB pixels now, as before. `maxPixels` shrinks it on load (see execute.ts
 * workingBudget). `label` names the input in errors.
 */
export async function decodeInput(input: Buffer, label: string, maxPixels?: number): Promise<Work> {
  let meta: sharp.Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: MAX_WORKING_PIXELS }).metadata();
  } catch (err) {
    throw undecodable(label, err);
  }
  const plain =
    meta.channels === 3 &&
    meta.space === 'srgb' &&
    meta.depth === 'uchar' &&
    (meta.orientation ?? 1) === 1 &&
    (meta.pages ?? 1) === 1 &&
    meta.width !== undefined &&
    meta.height !== undefined;
  if (!plain) return decode(input, label, maxPixels);
  const { width, height } = meta as { width: number; height: number };
  const open = (): Sharp => sharp(input, { limitInputPixels: MAX_WORKING_PIXELS });
  if (maxPixels !== undefined && width * height > maxPixels) {
    const k = Math.sqrt(maxPixels / (width * height));
    const w = Math.max(1, Math.round(width * k));
    const h = Math.max(1, Math.round(height * k));
    return { width: w, height: h, channels: 3, stages: [Stage.Resize], closed: false, decodes: label, build: () => open().resize(w, h, { fit: 'fill' }) };
  }
  return { width, height, channels: 3, stages: [], closed: false, decodes: label, build: open };
}
