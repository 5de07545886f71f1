/**
 * The working image's pixels: raw 8-bit sRGB, 3 channels, or 4 once an operation adds
 * transparency (remove background). Steps that libvips can chain do not produce these between
 * them (pipeline.ts); steps that work on the pixels in JS, and the ML models, do.
 */
import sharp, { type Sharp } from 'sharp';
import { imageProblems } from '@retouch/sdk/protocol';
import { EditError } from '../engine.js';

export interface Img {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
  readonly channels: 3 | 4;
}

/** The largest working image (the API caps inputs at 5000×5000; resize/extend/upscale stay below). */
export const MAX_WORKING_PIXELS = 5000 * 5000;
export const MAX_WORKING_SIDE = 10000;

export function toSharp(img: Img): Sharp {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: img.channels } });
}

/** Materialises a pipeline as an Img (sRGB, 3 or 4 channels). */
export async function fromSharp(pipeline: Sharp): Promise<Img> {
  const { data, info } = await pipeline.toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.channels === 3 || info.channels === 4) {
    return { data, width: info.width, height: info.height, channels: info.channels };
  }
  // One- or two-band results (greyscale, with or without alpha) are expanded to sRGB.
  const n = info.width * info.height;
  const hasAlpha = info.channels === 2;
  const out = Buffer.allocUnsafe(n * (hasAlpha ? 4 : 3));
  for (let i = 0, o = 0; i < n; i += 1) {
    const v = data[i * info.channels] as number;
    out[o++] = v;
    out[o++] = v;
    out[o++] = v;
    if (hasAlpha) out[o++] = data[i * 2 + 1] as number;
  }
  return { data: out, width: info.width, height: info.height, channels: hasAlpha ? 4 : 3 };
}

/**
 * The task error for an input that does not decode: intake checks only the structure
 * (src/inputs/image-check.ts), so compressed data corrupt inside a well-formed file is found
 * here, and reported with intake's code and message. `label` names the input, e.g.
 * "input.images[1]"; the decoder's own reason follows, clipped.
 */
export function undecodable(label: string, err: unknown): EditError {
  const reason = (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 120);
  return new EditError('InvalidImageFormat', `${imageProblems.corrupt(label).message} Decoder: ${reason}`);
}

/**
 * Decodes an input image: EXIF orientation applied, alpha dropped (the protocol ignores it), and,
 * when `maxPixels` is given, shrunk to at most that many pixels (JPEG shrink-on-load makes this
 * much faster than decoding the full image). `label` names it in errors (see `undecodable`).
 */
export async function decode(input: Buffer, label: string, maxPixels?: number): Promise<Img> {
  try {
    let pipeline = sharp(input, { limitInputPixels: MAX_WORKING_PIXELS }).autoOrient().removeAlpha();
    if (maxPixels !== undefined) {
      const meta = await sharp(input, { limitInputPixels: MAX_WORKING_PIXELS }).metadata();
      const swap = (meta.orientation ?? 1) >= 5;
      const w = (swap ? meta.height : meta.width) ?? 0;
      const h = (swap ? meta.width : meta.height) ?? 0;
      if (w * h > maxPixels) {
        const k = Math.sqrt(maxPixels / (w * h));
        pipeline = pipeline.resize(Math.max(1, Math.round(w * k)), Math.max(1, Math.round(h * k)), { fit: 'fill' });
      }
    }
    return await fromSharp(pipeline);
  } catch (err) {
    throw undecodable(label, err);
  }
}

export function checkSize(width: number, height: number, what: string): void {
  if (width < 1 || height < 1) throw new EditError('InvalidParameter', `${what} would leave an empty image.`);
  if (width * height > MAX_WORKING_PIXELS || width > MAX_WORKING_SIDE || height > MAX_WORKING_SIDE) {
    throw new EditError('InvalidParameter', `${what} would make the image ${width}×${height}, above the ${MAX_WORKING_PIXELS / 1e6} megapixel working limit.`);
  }
}

/** Per-channel linear transform that leaves alpha alone. */
export function linearRgb(img: Img, a: readonly number[], b: readonly number[]): Sharp {
  const aa = img.channels === 4 ? [...a, 1] : [...a];
  const bb = img.channels === 4 ? [...b, 0] : [...b];
  return toSharp(img).linear(aa, bb);
}

/** Splits off the alpha channel (if any) so that colour operations can run on RGB only. */
export async function splitAlpha(img: Img): Promise<{ rgb: Img; alpha: Buffer | undefined }> {
  if (img.channels === 3) return { rgb: img, alpha: undefined };
  const n = img.width * img.height;
  const rgb = Buffer.allocUnsafe(n * 3);
  const alpha = Buffer.allocUnsafe(n);
  for (let i = 0, j = 0; i < n; i += 1, j += 4) {
    rgb[i * 3] = img.data[j] as number;
    rgb[i * 3 + 1] = img.data[j + 1] as number;
    rgb[i * 3 + 2] = img.data[j + 2] as number;
    alpha[i] = img.data[j + 3] as number;
  }
  return { rgb: { data: rgb, width: img.width, height: img.height, channels: 3 }, alpha };
}

/** Re-attaches an alpha channel of the same size. */
export function withAlpha(rgb: Img, alpha: Buffer | undefined): Img {
  if (!alpha) return rgb;
  const n = rgb.width * rgb.height;
  const out = Buffer.allocUnsafe(n * 4);
  const src = rgb.data;
  const step = rgb.channels;
  for (let i = 0; i < n; i += 1) {
    out[i * 4] = src[i * step] as number;
    out[i * 4 + 1] = src[i * step + 1] as number;
    out[i * 4 + 2] = src[i * step + 2] as number;
    out[i * 4 + 3] = alpha[i] as number;
  }
  return { data: out, width: rgb.width, height: rgb.height, channels: 4 };
}
