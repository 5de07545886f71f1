/** Filter steps on RGB (alpha is kept aside by steps/index.ts). */
import sharp, { type Sharp } from 'sharp';
import type { Size } from '../ops/spec.js';
import { Stage, type Pipe } from '../pipeline.js';
import { fromSharp, toSharp, type Img } from '../image.js';
import { posterize } from './tone.js';

const minSide = (img: Img): number => Math.min(img.width, img.height);

/** Gaussian blur; the default radius follows the image size so "blur" looks alike at any size. */
export function blur(size: Size, strength: number, sigma: number | undefined): Pipe {
  const s = sigma ?? Math.max(1, Math.min(size.width, size.height) * 0.006) * strength;
  return filter(size, Stage.Blur, (p) => p.blur(Math.max(0.3, Math.min(200, s))));
}

export function sharpen(size: Size, strength: number): Pipe {
  const sigma = strength > 1 ? 2 : strength < 1 ? 0.7 : 1.2;
  // Sharpening works in Lab and may leave values outside 8 bits: it closes the pipeline.
  return { ...filter(size, Stage.Sharpen, (p) => p.sharpen({ sigma, m1: 1, m2: strength > 1 ? 4 : 2.5 })), closes: true };
}

export function denoise(size: Size, strength: number): Pipe {
  return filter(size, Stage.Median, (p) => p.median(strength > 1 ? 5 : 3));
}

const filter = (size: Size, stage: Stage, apply: (p: Sharp) => Sharp): Pipe => ({ stage, rgb: true, width: size.width, height: size.height, apply });

export async function pixelate(img: Img, block: number): Promise<Img> {
  const size = Math.max(2, Math.round(block * minSide(img)));
  const w = Math.max(1, Math.ceil(img.width / size));
  const h = Math.max(1, Math.ceil(img.height / size));
  const small = await fromSharp(toSharp(img).resize(w, h, { fit: 'fill', kernel: 'linear' }));
  return fromSharp(toSharp(small).resize(img.width, img.height, { fit: 'fill', kernel: 'nearest' }));
}

/** One byte per pixel. (A one-band raw input comes back from libvips as sRGB unless reduced again.) */
async function grey(img: Img): Promise<Buffer> {
  return toSharp(img).greyscale().extractChannel(0).raw().toBuffer();
}

/**
 * Pencil sketch: the grey image colour-dodged by its blurred negative (grey / (1 − negative),
 * capped at white), then a slight contrast curve that keeps strokes visible. The grey image and
 * the blurred negative come from two libvips pipelines run in parallel; the dodge and the curve
 * are one table look-up per pixel (faster than libvips' float `colour-dodge` composite).
 */
export async function sketch(img: Img): Promise<Img> {
  const sigma = Math.max(2, minSide(img) / 120);
  const [g, inverse] = await Promise.all([
    grey(img),
    // sharp negates after blurring; both are linear, so this is the blur of the negative.
    toSharp(img).greyscale().blur(sigma).negate().extractChannel(0).raw().toBuffer(),
  ]);
  const lut = sketchTable();
  const n = img.width * img.height;
  const out = Buffer.allocUnsafe(n * 3);
  for (let i = 0, o = 0; i < n; i += 1, o += 3) {
    const v = lut[((g[i] as number) << 8) | (inverse[i] as number)] as number;
    out[o] = v;
    out[o + 1] = v;
    out[o + 2] = v;
  }
  return { data: out, width: img.width, height: img.height, channels: 3 };
}

let sketchLut: Uint8Array | undefined;

/** The dodge and the contrast curve for every (grey, blurred negative) pair, 64 KB, made once. */
function sketchTable(): Uint8Array {
  if (sketchLut) return sketchLut;
  const lut = new Uint8Array(256 * 256);
  for (let base = 0; base < 256; base += 1) {
    for (let inv = 0; inv < 256; inv += 1) {
      const dodged = inv >= 255 ? 255 : Math.min(255, Math.round((base * 255) / (255 - inv)));
      // Truncated to 8 bits, as libvips' `linear` did when it applied this curve.
      lut[(base << 8) | inv] = Math.min(255, Math.max(0, Math.trunc(1.15 * dodged - 0.15 * 255 + 0.15 * 40)));
    }
  }
  sketchLut = lut;
  return lut;
}

/**
 * Cartoon: flat colours (area-averaged at a third of the size, median-smoothed, enlarged again,
 * saturated and posterized) with dark outlines from an edge detector on the smoothed grey image.
 */
export async function cartoon(input: Img): Promise<Img> {
  // A dark photo would posterize to near-black: brighten it first (all channels alike, so hues stay).
  const mean = (await toSharp(input).greyscale().stats()).channels[0]?.mean ?? 128;
  const img = mean < 90 ? await fromSharp(toSharp(input).linear(Math.min(4, 120 / Math.max(1, mean)), 0)) : input;
  const k = Math.max(1, Math.round(minSide(img) / 300));
  const w = Math.max(1, Math.round(img.width / (k + 1)));
  const h = Math.max(1, Math.round(img.height / (k + 1)));
  const small = await fromSharp(toSharp(img).resize(w, h, { fit: 'fill' }).median(5));
  const smooth = await fromSharp(toSharp(small).resize(img.width, img.height, { fit: 'fill', kernel: 'cubic' }).modulate({ saturation: 1.4 }));
  const flat = posterize(smooth, 5);
  const edges = await toSharp(smooth)
    .greyscale()
    .blur(Math.max(0.8, minSide(img) / 500))
    .convolve({ width: 3, height: 3, kernel: [-1, -1, -1, -1, 8, -1, -1, -1, -1] })
    .extractChannel(0)
    .raw()
    .toBuffer();
  const n = img.width * img.height;
  const out = Buffer.from(flat.data);
  for (let i = 0; i < n; i += 1) {
    if ((edges[i] as number) > 10) {
      out[i * 3] = Math.round((out[i * 3] as number) * 0.2);
      out[i * 3 + 1] = Math.round((out[i * 3 + 1] as number) * 0.2);
      out[i * 3 + 2] = Math.round((out[i * 3 + 2] as number) * 0.2);
    }
  }
  return { ...flat, data: out };
}

/** Emboss: a directional derivative of the grey image around mid-grey. */
export async function emboss(img: Img): Promise<Img> {
  const g = await grey(img);
  return fromSharp(
    sharp(g, { raw: { width: img.width, height: img.height, channels: 1 } }).convolve({
      width: 3,
      height: 3,
      kernel: [-2, -1, 0, -1, 1, 1, 0, 1, 2],
      scale: 1,
      offset: 0,
    }),
  );
}

/**
 * Edges / outline: Sobel gradient magnitude of the lightly smoothed grey image, above a noise floor
 * (three times the median) and scaled so that its 99th percentile is full strength; dark lines on
 * white by default, or light lines on black.
 */
export async function edges(img: Img, lines: 'dark' | 'light'): Promise<Img> {
  const g = await toSharp(img)
    .greyscale()
    .blur(Math.max(0.8, minSide(img) / 500))
    .extractChannel(0)
    .raw()
    .toBuffer();
  const mag2 = sobelSquared(g, img.width, img.height);
  const n = mag2.length;
  // |g|² ≤ 2 × 1020² for 8-bit input: integers, so a histogram gives the exact percentiles (a sort took most of the time).
  const hist = new Uint32Array(2 * 1020 * 1020 + 1);
  for (let i = 0; i < n; i += 1) {
    const m = mag2[i] as number;
    hist[m] = (hist[m] as number) + 1;
  }
  const percentile = (q: number): number => {
    const rank = Math.floor(n * q);
    for (let m = 0, seen = 0; m < hist.length; m += 1) {
      seen += hist[m] as number;
      if (seen > rank) return Math.sqrt(m);
    }
    return 0;
  };
  // Texture and noise below a floor (well above the typical gradient) draw nothing.
  const floor = Math.max(8, 3 * percentile(0.5));
  const k = 255 / (Math.max(floor + 16, percentile(0.99)) - floor);
  const out = Buffer.allocUnsafe(n * 3);
  // Most pixels are below the floor: compared squared, they need no square root.
  const floor2 = floor * floor;
  for (let i = 0; i < n; i += 1) {
    const m = mag2[i] as number;
    const v = m <= floor2 ? 0 : Math.min(255, Math.round((Math.sqrt(m) - floor) * k));
    const p = lines === 'dark' ? 255 - v : v;
    out[i * 3] = p;
    out[i * 3 + 1] = p;
    out[i * 3 + 2] = p;
  }
  return { data: out, width: img.width, height: img.height, channels: 3 };
}

/**
 * Squared Sobel gradient magnitude of a one-byte-per-pixel image, borders extended by copying
 * the edge pixels. One pass over a padded copy: no bounds checks in the loop. (In JS because it is
 * faster than libvips here: two `convolve` pipelines, one per derivative, took about 40 ms for a
 * 1024×768 image, this pass 5–10 ms.)
 */
export function sobelSquared(g: Uint8Array, w: number, h: number): Int32Array {
  const pw = w + 2;
  const pad = new Uint8Array(pw * (h + 2));
  for (let y = 0; y < h + 2; y += 1) {
    const row = Math.min(h - 1, Math.max(0, y - 1)) * w;
    pad.set(g.subarray(row, row + w), y * pw + 1);
    pad[y * pw] = g[row] as number;
    pad[y * pw + w + 1] = g[row + w - 1] as number;
  }
  const mag2 = new Int32Array(w * h);
  for (let y = 0; y < h; y += 1) {
    // o: the padded index of the pixel above (x, y); o + pw is (x, y) itself.
    for (let x = 0, o = y * pw + 1, i = y * w; x < w; x += 1, o += 1, i += 1) {
      const tl = pad[o - 1] as number;
      const tc = pad[o] as number;
      const tr = pad[o + 1] as number;
      const ml = pad[o + pw - 1] as number;
      const mr = pad[o + pw + 1] as number;
      const bl = pad[o + 2 * pw - 1] as number;
      const bc = pad[o + 2 * pw] as number;
      const br = pad[o + 2 * pw + 1] as number;
      const gx = tr + 2 * mr + br - tl - 2 * ml - bl;
      const gy = bl + 2 * bc + br - tl - 2 * tc - tr;
      mag2[i] = gx * gx + gy * gy;
    }
  }
  return mag2;
}
