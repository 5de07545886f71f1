/** Test images made in code, pixel probes and simple image statistics. */
import sharp from 'sharp';
import type { Img } from '../../../src/engines/local/image.js';
import { NO_HINTS, type NegativeHints } from '../../../src/engines/local/negative.js';
import type { StepContext } from '../../../src/engines/local/steps/context.js';

export type Rgb = [number, number, number];

export function fill(width: number, height: number, fn: (x: number, y: number) => Rgb): Img {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const [r, g, b] = fn(x, y);
      const i = (y * width + x) * 3;
      data[i] = r;
      data[i + 1] = g;
      data[i + 2] = b;
    }
  }
  return { data, width, height, channels: 3 };
}

export const RED: Rgb = [220, 30, 30];
export const GREEN: Rgb = [30, 200, 60];
export const BLUE: Rgb = [30, 60, 220];
export const YELLOW: Rgb = [240, 220, 40];

/** Top-left red, top-right green, bottom-left blue, bottom-right yellow. */
export function quadrants(width = 120, height = 80): Img {
  return fill(width, height, (x, y) => (y < height / 2 ? (x < width / 2 ? RED : GREEN) : x < width / 2 ? BLUE : YELLOW));
}

/** R follows x, G follows y, B constant. */
export function gradient(width = 120, height = 80): Img {
  return fill(width, height, (x, y) => [Math.round((x * 255) / (width - 1)), Math.round((y * 255) / (height - 1)), 100]);
}

export function checkerboard(width = 96, height = 64, cell = 4): Img {
  return fill(width, height, (x, y) => ((Math.floor(x / cell) + Math.floor(y / cell)) % 2 === 0 ? [230, 230, 230] : [20, 20, 20]));
}

export function pixel(img: Img, x: number, y: number): number[] {
  const i = (y * img.width + x) * img.channels;
  return Array.from(img.data.subarray(i, i + img.channels));
}

export function mean(img: Img, channel: number): number {
  let sum = 0;
  for (let i = channel; i < img.data.length; i += img.channels) sum += img.data[i] as number;
  return sum / (img.width * img.height);
}

export function luma(img: Img): number {
  return 0.299 * mean(img, 0) + 0.587 * mean(img, 1) + 0.114 * mean(img, 2);
}

/** Mean absolute difference between horizontal neighbours (high-frequency energy). */
export function energy(img: Img, region?: { left: number; top: number; width: number; height: number }): number {
  const r = region ?? { left: 0, top: 0, width: img.width, height: img.height };
  let sum = 0;
  let n = 0;
  for (let y = r.top; y < r.top + r.height; y += 1) {
    for (let x = r.left; x < r.left + r.width - 1; x += 1) {
      for (let c = 0; c < 3; c += 1) {
        sum += Math.abs((img.data[(y * img.width + x) * img.channels + c] as number) - (img.data[(y * img.width + x + 1) * img.channels + c] as number));
        n += 1;
      }
    }
  }
  return sum / n;
}

/** Standard deviation of the luma. */
export function spread(img: Img): number {
  const n = img.width * img.height;
  const values = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    const o = i * img.channels;
    values[i] = 0.299 * (img.data[o] as number) + 0.587 * (img.data[o + 1] as number) + 0.114 * (img.data[o + 2] as number);
  }
  const m = values.reduce((a, b) => a + b, 0) / n;
  return Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / n);
}

/** Count of pixels that differ (any channel by more than `tol`) inside a region. */
export function changed(a: Img, b: Img, region: { left: number; top: number; width: number; height: number }, tol = 8): number {
  let count = 0;
  for (let y = region.top; y < region.top + region.height; y += 1) {
    for (let x = region.left; x < region.left + region.width; x += 1) {
      const pa = pixel(a, x, y);
      const pb = pixel(b, x, y);
      if ([0, 1, 2].some((c) => Math.abs((pa[c] as number) - (pb[c] as number)) > tol)) count += 1;
    }
  }
  return count;
}

export async function png(img: Img): Promise<Buffer> {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: img.channels } })
    .png()
    .toBuffer();
}

export async function decodePng(buf: Buffer): Promise<Img> {
  const { data, info } = await sharp(buf).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels as 3 | 4 };
}

/** A step context for calling steps directly; `images` are inputs 1..n. */
export function context(images: Img[] = [], options: { seed?: number; hints?: Partial<NegativeHints> } = {}): StepContext {
  return {
    seed: options.seed ?? 1,
    signal: new AbortController().signal,
    hints: { ...NO_HINTS, ...options.hints },
    imageCount: images.length,
    image: async (k) => {
      const img = images[k - 1];
      if (!img) throw new Error(`no image ${k}`);
      return img;
    },
    ml: async () => {
      throw new Error('no ML in this test');
    },
  };
}
