/** Geometry steps: rotate, flip, crop, trim, resize, extend (outpaint), border. Alpha is kept. */
import { checkSize, fromSharp, toSharp, type Img } from '../image.js';
import type { Size } from '../ops/spec.js';
import { Stage, applyPipe, materialise, type Pipe } from '../pipeline.js';
import type { NegativeHints } from '../negative.js';
import type { Colour, CropRegion, ExtendFill, Side } from '../plan.js';

function background(img: Img, rgb: readonly [number, number, number] = [0, 0, 0]): { r: number; g: number; b: number; alpha: number } {
  return { r: rgb[0], g: rgb[1], b: rgb[2], alpha: 1 };
}

/** Largest axis-aligned rectangle inside a w×h rectangle rotated by `radians`. */
function innerRect(w: number, h: number, radians: number): { width: number; height: number } {
  const sin = Math.abs(Math.sin(radians));
  const cos = Math.abs(Math.cos(radians));
  const long = Math.max(w, h);
  const short = Math.min(w, h);
  if (short <= 2 * sin * cos * long || Math.abs(sin - cos) < 1e-10) {
    const x = 0.5 * short;
    const [wr, hr] = w >= h ? [x / sin, x / cos] : [x / cos, x / sin];
    return { width: Math.floor(wr), height: Math.floor(hr) };
  }
  const cos2 = cos * cos - sin * sin;
  return { width: Math.floor((w * cos - h * sin) / cos2), height: Math.floor((h * cos - w * sin) / cos2) };
}

/** Multiples of 90°: pixels move, nothing is resampled. */
export function quarterTurns(size: Size, degrees: number): Pipe | undefined {
  const d = ((degrees % 360) + 360) % 360;
  if (d % 90 !== 0) return undefined;
  const swap = d % 180 === 90;
  return { stage: Stage.Rotate, width: swap ? size.height : size.width, height: swap ? size.width : size.height, apply: (p) => p.rotate(d) };
}

export async function rotate(img: Img, degrees: number, hints: NegativeHints): Promise<Img> {
  const quarter = quarterTurns(img, degrees);
  if (quarter) return materialise(await applyPipe(img, quarter));
  // Transparent corners when the image already has alpha, else black (or cropped away).
  const bg = img.channels === 4 ? { r: 0, g: 0, b: 0, alpha: 0 } : background(img);
  const rotated = await fromSharp(toSharp(img).rotate(degrees, { background: bg }));
  if (!hints.noBlackBorders) return rotated;
  const inner = innerRect(img.width, img.height, (degrees * Math.PI) / 180);
  const width = Math.max(1, Math.min(rotated.width, inner.width));
  const height = Math.max(1, Math.min(rotated.height, inner.height));
  return fromSharp(toSharp(rotated).extract({ left: Math.floor((rotated.width - width) / 2), top: Math.floor((rotated.height - height) / 2), width, height }));
}

export function flip(size: Size, axis: 'horizontal' | 'vertical'): Pipe {
  return { stage: Stage.Flip, width: size.width, height: size.height, apply: (p) => (axis === 'horizontal' ? p.flop() : p.flip()) };
}

type Box = { left: number; top: number; width: number; height: number };
const extract = (box: Box): Pipe => ({ stage: Stage.Extract, width: box.width, height: box.height, apply: (p) => p.extract(box) });

export function cropAspect(img: Size, ratio: readonly [number, number]): Pipe {
  const target = ratio[0] / ratio[1];
  let width = img.width;
  let height = Math.round(width / target);
  if (height > img.height) {
    height = img.height;
    width = Math.round(height * target);
  }
  width = Math.max(1, Math.min(img.width, width));
  height = Math.max(1, Math.min(img.height, height));
  return extract({ left: Math.floor((img.width - width) / 2), top: Math.floor((img.height - height) / 2), width, height });
}

export function cropCenter(img: Size, fraction: number): Pipe {
  const width = Math.max(1, Math.round(img.width * fraction));
  const height = Math.max(1, Math.round(img.height * fraction));
  return extract({ left: Math.floor((img.width - width) / 2), top: Math.floor((img.height - height) / 2), width, height });
}

export function cropRegion(img: Size, region: CropRegion): Pipe {
  const halfW = Math.max(1, Math.floor(img.width / 2));
  const halfH = Math.max(1, Math.floor(img.height / 2));
  const box = {
    'left-half': { left: 0, top: 0, width: halfW, height: img.height },
    'right-half': { left: img.width - halfW, top: 0, width: halfW, height: img.height },
    'top-half': { left: 0, top: 0, width: img.width, height: halfH },
    'bottom-half': { left: 0, top: img.height - halfH, width: img.width, height: halfH },
  }[region];
  return extract(box);
}

export async function trim(img: Img): Promise<Img> {
  try {
    return await fromSharp(toSharp(img).trim({ threshold: 12 }));
  } catch {
    // libvips refuses when everything would be trimmed (a plain image): nothing to trim then.
    return img;
  }
}

export function resize(img: Size, scale: number): Pipe {
  const width = Math.max(1, Math.round(img.width * scale));
  const height = Math.max(1, Math.round(img.height * scale));
  checkSize(width, height, `Scaling to ${Math.round(scale * 100)}%`);
  return { stage: Stage.Resize, width, height, apply: (p) => p.resize(width, height, { fit: 'fill' }) };
}

export function resizeTo(img: Size, width: number | undefined, height: number | undefined, hints: NegativeHints): Pipe {
  const w = width ?? Math.max(1, Math.round(((height ?? img.height) * img.width) / img.height));
  const h = height ?? Math.max(1, Math.round((w * img.height) / img.width));
  checkSize(w, h, `Resizing to ${w}×${h}`);
  const fit = width !== undefined && height !== undefined && !hints.noStretch ? 'fill' : 'cover';
  return { stage: Stage.Resize, width: w, height: h, apply: (p) => p.resize(w, h, { fit }) };
}

interface Margins {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

function marginsFor(img: Size, amount: number | undefined, ratio: readonly [number, number] | undefined, side: Side): Margins {
  if (ratio) {
    const target = ratio[0] / ratio[1];
    if (img.width / img.height < target) {
      const extra = Math.max(0, Math.round(img.height * target) - img.width);
      return { top: 0, bottom: 0, left: Math.floor(extra / 2), right: Math.ceil(extra / 2) };
    }
    const extra = Math.max(0, Math.round(img.width / target) - img.height);
    return { top: Math.floor(extra / 2), bottom: Math.ceil(extra / 2), left: 0, right: 0 };
  }
  const a = amount ?? 0.2;
  const dx = Math.round(img.width * a);
  const dy = Math.round(img.height * a);
  const h = side === 'all' || side === 'horizontal';
  const v = side === 'all' || side === 'vertical';
  return {
    left: h || side === 'left' ? dx : 0,
    right: h || side === 'right' ? dx : 0,
    top: v || side === 'top' ? dy : 0,
    bottom: v || side === 'bottom' ? dy : 0,
  };
}

/** Extends the canvas with one colour. */
export function extendWithColour(img: Size, amount: number | undefined, ratio: readonly [number, number] | undefined, side: Side, colour: Colour): Pipe {
  const m = marginsFor(img, amount, ratio, side);
  checkSize(img.width + m.left + m.right, img.height + m.top + m.bottom, 'Extending the canvas');
  return pad(img, m, colour);
}

/** Extends the canvas; the new area is a colour, a blurred enlargement, or mirrored edges softened. */
export async function extend(img: Img, amount: number | undefined, ratio: readonly [number, number] | undefined, side: Side, fill: ExtendFill): Promise<Img> {
  if (fill.kind === 'colour') return materialise(await applyPipe(img, extendWithColour(img, amount, ratio, side, fill.colour)));
  const m = marginsFor(img, amount, ratio, side);
  const width = img.width + m.left + m.right;
  const height = img.height + m.top + m.bottom;
  checkSize(width, height, 'Extending the canvas');
  if (width === img.width && height === img.height) return img;
  const sigma = Math.max(2, Math.min(width, height) * (fill.kind === 'blur' ? 0.05 : 0.02));
  const bgPipeline =
    fill.kind === 'blur'
      ? toSharp(img).resize(width, height, { fit: 'cover' }).blur(sigma).modulate({ brightness: 0.9 })
      : toSharp(img)
          .extend({ ...m, extendWith: 'mirror' })
          .blur(sigma);
  const bg = await fromSharp(bgPipeline);
  return fromSharp(
    toSharp(bg).composite([{ input: img.data, raw: { width: img.width, height: img.height, channels: img.channels }, left: m.left, top: m.top }]),
  );
}

/** Margins of one colour. */
function pad(img: Size, m: Margins, colour: Colour): Pipe {
  const [r, g, b] = colour.rgb;
  return {
    stage: Stage.Extend,
    width: img.width + m.left + m.right,
    height: img.height + m.top + m.bottom,
    apply: (p) => p.extend({ ...m, background: { r, g, b, alpha: 1 } }),
  };
}

export function border(img: Size, width: number, pixels: boolean, colour: Colour): Pipe {
  const w = Math.max(1, Math.round(pixels ? width : width * Math.min(img.width, img.height)));
  checkSize(img.width + 2 * w, img.height + 2 * w, 'Adding the border');
  return pad(img, { top: w, bottom: w, left: w, right: w }, colour);
}
