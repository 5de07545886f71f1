/**
 * ML operations: the models (./ml, another module) give a matte, boxes or pixels; these steps
 * compose the result with libvips and a few tight loops. Alpha conventions: a matte is one byte per
 * pixel, 255 = subject.
 */
import { EditError } from '../../engine.js';
import type { Box, MlModels, RawImage } from '../ml/index.js';
import { checkSize, fromSharp, splitAlpha, toSharp, withAlpha, type Img } from '../image.js';
import type { Colour } from '../plan.js';

const raw = (img: Img): RawImage => ({ data: img.data, width: img.width, height: img.height, channels: img.channels });

async function matteOf(ml: MlModels, img: Img, signal: AbortSignal): Promise<Buffer> {
  const matte = await ml.segmentForeground(raw(img), signal);
  if (matte.length !== img.width * img.height) {
    throw new Error(`segmentForeground returned ${matte.length} bytes for a ${img.width}×${img.height} image`);
  }
  return matte;
}

/** The subject keeps its pixels; the background becomes transparent (PNG alpha). */
export async function removeBackground(img: Img, ml: MlModels, signal: AbortSignal): Promise<Img> {
  const matte = await matteOf(ml, img, signal);
  const { rgb, alpha } = await splitAlpha(img);
  if (alpha) for (let i = 0; i < matte.length; i += 1) matte[i] = Math.round(((matte[i] as number) * (alpha[i] as number)) / 255);
  return withAlpha(rgb, matte);
}

/** fg·m + bg·(1 − m) per pixel; bg is opaque RGB of the same size. */
function composeOver(fg: Img, matte: Buffer, bg: Img): Img {
  const n = fg.width * fg.height;
  const out = Buffer.allocUnsafe(n * 3);
  for (let i = 0; i < n; i += 1) {
    const m = (matte[i] as number) / 255;
    for (let c = 0; c < 3; c += 1) {
      const f = fg.data[i * fg.channels + c] as number;
      const b = bg.data[i * bg.channels + c] as number;
      out[i * 3 + c] = Math.round(b + (f - b) * m);
    }
  }
  return { data: out, width: fg.width, height: fg.height, channels: 3 };
}

export async function replaceBackground(img: Img, ml: MlModels, signal: AbortSignal, colour: Colour | undefined, source: Img | undefined): Promise<Img> {
  const matte = await matteOf(ml, img, signal);
  let bg: Img;
  if (source) {
    bg = await fromSharp(toSharp(source).removeAlpha().resize(img.width, img.height, { fit: 'cover' }));
  } else {
    const [r, g, b] = (colour ?? { rgb: [255, 255, 255] as const }).rgb;
    bg = await fromSharp(toSharp(img).removeAlpha().linear([0, 0, 0], [r, g, b]));
  }
  return composeOver(img, matte, bg);
}

export async function backgroundBlur(img: Img, ml: MlModels, signal: AbortSignal, strength: number): Promise<Img> {
  const matte = await matteOf(ml, img, signal);
  const sigma = Math.max(3, Math.min(img.width, img.height) * 0.015 * strength);
  const blurred = await fromSharp(toSharp(img).removeAlpha().blur(sigma));
  return composeOver(img, matte, blurred);
}

/** Colour splash: the subject over a grey (or darkened) copy of the image. */
export async function backgroundTone(img: Img, ml: MlModels, signal: AbortSignal, effect: 'grayscale' | 'darken'): Promise<Img> {
  const matte = await matteOf(ml, img, signal);
  const row: [number, number, number] = [0.299, 0.587, 0.114];
  const bg = await fromSharp(
    effect === 'grayscale'
      ? toSharp(img)
          .removeAlpha()
          .recomb([row, [...row], [...row]])
      : toSharp(img).removeAlpha().linear(0.45, 0),
  );
  return composeOver(img, matte, bg);
}

export async function upscale(img: Img, ml: MlModels, signal: AbortSignal, factor: 2 | 4): Promise<Img> {
  checkSize(img.width * factor, img.height * factor, `Upscaling ${factor}×`);
  const out = await ml.upscale(raw(img), factor, signal);
  if (out.width !== img.width * factor || out.height !== img.height * factor || out.data.length !== out.width * out.height * out.channels) {
    throw new Error(`upscale returned ${out.width}×${out.height}×${out.channels} for ${img.width}×${img.height} at ${factor}×`);
  }
  return { data: out.data, width: out.width, height: out.height, channels: out.channels };
}

/** A box grown by `pad` of its size on each side, clipped to the image, in whole pixels. */
function grow(box: Box, pad: number, w: number, h: number): { left: number; top: number; width: number; height: number } | undefined {
  const dx = box.width * pad;
  const dy = box.height * pad;
  const left = Math.max(0, Math.floor(box.x - dx));
  const top = Math.max(0, Math.floor(box.y - dy));
  const right = Math.min(w, Math.ceil(box.x + box.width + dx));
  const bottom = Math.min(h, Math.ceil(box.y + box.height + dy));
  if (right - left < 2 || bottom - top < 2) return undefined;
  return { left, top, width: right - left, height: bottom - top };
}

export async function faces(img: Img, ml: MlModels, signal: AbortSignal, mode: 'blur' | 'pixelate'): Promise<Img> {
  const boxes = await ml.detectFaces(raw(img), signal);
  const layers = [];
  for (const box of boxes) {
    const r = grow(box, 0.15, img.width, img.height);
    if (!r) continue;
    const region = toSharp(img).extract(r);
    const short = Math.min(r.width, r.height);
    let data: Buffer;
    if (mode === 'blur') {
      data = await region
        .blur(Math.max(3, short / 6))
        .raw()
        .toBuffer();
    } else {
      const cells = 8;
      const small = await region
        .resize(Math.max(1, Math.round((cells * r.width) / short)), Math.max(1, Math.round((cells * r.height) / short)), { fit: 'fill' })
        .raw()
        .toBuffer({ resolveWithObject: true });
      data = await toSharp({ data: small.data, width: small.info.width, height: small.info.height, channels: img.channels })
        .resize(r.width, r.height, { fit: 'fill', kernel: 'nearest' })
        .raw()
        .toBuffer();
    }
    layers.push({ input: data, raw: { width: r.width, height: r.height, channels: img.channels }, left: r.left, top: r.top });
  }
  if (layers.length === 0) return img;
  return fromSharp(toSharp(img).composite(layers));
}

export async function removeText(img: Img, ml: MlModels, signal: AbortSignal): Promise<Img> {
  const boxes = await ml.detectText(raw(img), signal);
  if (boxes.length === 0) return img;
  const mask = Buffer.alloc(img.width * img.height);
  for (const box of boxes) {
    // Grow a little: anti-aliased glyph edges and shadows sit just outside detection boxes.
    const r = grow({ ...box, x: box.x - 3, y: box.y - 3, width: box.width + 6, height: box.height + 6 }, 0.08, img.width, img.height);
    if (!r) continue;
    for (let y = r.top; y < r.top + r.height; y += 1) mask.fill(255, y * img.width + r.left, y * img.width + r.left + r.width);
  }
  signal.throwIfAborted();
  const out = await ml.inpaint(raw(img), mask, signal);
  if (out.width !== img.width || out.height !== img.height) throw new Error('inpaint changed the image size');
  return { data: out.data, width: out.width, height: out.height, channels: out.channels };
}

/** The subject of `subject`, scaled to fit 85 % of `onto`, standing at its bottom centre. */
export async function cutout(subject: Img, onto: Img, ml: MlModels, signal: AbortSignal): Promise<Img> {
  const matte = await matteOf(ml, subject, signal);
  const { rgb } = await splitAlpha(subject);
  const cut = withAlpha(rgb, matte);
  const k = Math.min((onto.width * 0.85) / cut.width, (onto.height * 0.85) / cut.height);
  const w = Math.max(1, Math.round(cut.width * k));
  const h = Math.max(1, Math.round(cut.height * k));
  const scaled = await fromSharp(toSharp(cut).resize(w, h, { fit: 'fill' }));
  const left = Math.round((onto.width - w) / 2);
  const top = onto.height - h;
  return fromSharp(toSharp(onto).composite([{ input: scaled.data, raw: { width: w, height: h, channels: scaled.channels }, left, top }]));
}

export function mlUnavailable(what: string, err: unknown): EditError {
  return new EditError(
    'InvalidParameter',
    `The operation "${what}" needs the built-in ML models, which are not available on this server (${String((err as Error)?.message ?? err).slice(0, 80)}).`,
  );
}
