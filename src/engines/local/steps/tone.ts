/** Tone and colour steps. They work on RGB; steps/index.ts keeps any alpha channel aside. */
import sharp, { type Sharp } from 'sharp';
import { fromSharp, linearRgb, toSharp, type Img } from '../image.js';
import type { Size } from '../ops/spec.js';
import { Stage, type Pipe } from '../pipeline.js';
import type { Colour, HueBand } from '../plan.js';
import { createRng } from '../rng.js';

type Matrix = [[number, number, number], [number, number, number], [number, number, number]];

const LUMA = [0.299, 0.587, 0.114] as const;

/** A colour step as one libvips operation on RGB, same size. */
const colour = (size: Size, stage: Stage, apply: (p: Sharp) => Sharp, closes?: true): Pipe => ({
  stage,
  rgb: true,
  width: size.width,
  height: size.height,
  apply,
  ...(closes ? { closes } : {}),
});

// Recomb leaves unclipped floats: it closes the pipeline (nothing chains after it, see pipeline.ts).
const recomb = (size: Size, m: Matrix): Pipe => colour(size, Stage.Recomb, (p) => p.recomb(m), true);

export function grayscale(size: Size): Pipe {
  // Identical rows: R = G = B exactly, three channels kept for later colour steps.
  const row: [number, number, number] = [LUMA[0], LUMA[1], LUMA[2]];
  return recomb(size, [row, [...row], [...row]]);
}

const SEPIA: Matrix = [
  [0.393, 0.769, 0.189],
  [0.349, 0.686, 0.168],
  [0.272, 0.534, 0.131],
];

export function sepia(size: Size, strength: number): Pipe {
  const s = Math.min(1, Math.max(0, strength));
  const m = SEPIA.map((row, i) => row.map((v, j) => s * v + (i === j ? 1 - s : 0))) as Matrix;
  return recomb(size, m);
}

export function invert(size: Size): Pipe {
  return colour(size, Stage.Negate, (p) => p.negate({ alpha: false }));
}

export function brightness(size: Size, factor: number): Pipe {
  return colour(size, Stage.Modulate, (p) => p.modulate({ brightness: factor }));
}

/** Per-channel a·v + b, clipped to 8 bits by libvips. */
const linear = (size: Size, a: readonly number[], b: readonly number[]): Pipe => colour(size, Stage.Linear, (p) => p.linear([...a], [...b]));

export function contrast(size: Size, factor: number): Pipe {
  // Stretch around mid-grey: out = f·(in − 128) + 128.
  return linear(size, [factor, factor, factor], [128 * (1 - factor), 128 * (1 - factor), 128 * (1 - factor)]);
}

export function saturation(size: Size, factor: number): Pipe {
  return colour(size, Stage.Modulate, (p) => p.modulate({ saturation: factor }));
}

export function hue(size: Size, degrees: number): Pipe {
  return colour(size, Stage.Modulate, (p) => p.modulate({ hue: Math.round(degrees) }));
}

export function temperature(size: Size, amount: number): Pipe {
  // Warm: more red, a touch more green, less blue; cool is the mirror image.
  return linear(size, [1 + 0.6 * amount, 1 + 0.1 * amount, 1 - 0.6 * amount], [0, 0, 0]);
}

export function tint(size: Size, colour: Colour, strength: number): Pipe {
  // Mix the original with its luminance coloured by `colour`, scaled so that the colour's own
  // darkness does not darken the image much (a blue tint must not turn the photo black).
  const [r, g, b] = colour.rgb.map((v) => v / 255) as [number, number, number];
  const lum = Math.max(0.5, LUMA[0] * r + LUMA[1] * g + LUMA[2] * b);
  const s = Math.min(1, Math.max(0, strength));
  const m = [r, g, b].map((c, i) => LUMA.map((w, j) => s * (c / lum) * w + (i === j ? 1 - s : 0))) as Matrix;
  return recomb(size, m);
}

export function autoEnhance(size: Size): Pipe {
  // sharp saturates (modulate) before it stretches the levels (normalise), whatever the call order.
  return { ...colour(size, Stage.Modulate, (p) => p.modulate({ saturation: 1.08 }).normalise({ lower: 1, upper: 99 })), until: Stage.Normalise };
}

export function posterize(img: Img, levels: number): Img {
  const n = Math.max(2, Math.min(256, Math.round(levels)));
  const lut = new Uint8Array(256);
  for (let v = 0; v < 256; v += 1) lut[v] = Math.round((Math.round((v / 255) * (n - 1)) * 255) / (n - 1));
  const out = Buffer.allocUnsafe(img.data.length);
  for (let i = 0; i < img.data.length; i += 1) out[i] = lut[img.data[i] as number] as number;
  return { ...img, data: out };
}

/**
 * Darkens towards the corners: each pixel times 1 − strength · smoothstep(t), t = (r − 0.35) / 0.65,
 * where r is the distance from the centre on the ellipse through the corners (1 at the corners,
 * 0.71 mid-side). In JS: libvips' multiply composite of a mask took longer than this loop with
 * the decode and encode around it.
 */
export function vignette(img: Img, strength: number): Img {
  const { width: w, height: h, data } = img;
  // The gain in 1/65536ths by r² in steps of 1/4096 (under 0.1 level apart): integer work per pixel.
  const steps = 4096;
  const gains = new Uint32Array(steps + 1);
  for (let k = 0; k <= steps; k += 1) {
    const t = Math.max(0, (Math.sqrt(k / steps) - 0.35) / 0.65);
    gains[k] = Math.round(65536 * (1 - strength * t * t * (3 - 2 * t)));
  }
  const dx2 = new Float64Array(w);
  for (let x = 0; x < w; x += 1) dx2[x] = ((x + 0.5) / w - 0.5) ** 2 * 2 * steps;
  const out = Buffer.allocUnsafe(data.length);
  for (let y = 0, o = 0; y < h; y += 1) {
    const dy2 = ((y + 0.5) / h - 0.5) ** 2 * 2 * steps + 0.5;
    for (let x = 0; x < w; x += 1, o += 3) {
      const gain = gains[((dx2[x] as number) + dy2) | 0] as number;
      out[o] = ((data[o] as number) * gain + 32768) >>> 16;
      out[o + 1] = ((data[o + 1] as number) * gain + 32768) >>> 16;
      out[o + 2] = ((data[o + 2] as number) * gain + 32768) >>> 16;
    }
  }
  return { ...img, data: out };
}

/** Monochrome film grain, seeded: triangular noise of amplitude ≈ amount × 60 levels. */
export function grain(img: Img, amount: number, seed: number): Img {
  const rng = createRng(seed);
  const amp = Math.max(0, Math.min(1, amount)) * 60;
  const out = Buffer.allocUnsafe(img.data.length);
  const n = img.width * img.height;
  const src = img.data;
  for (let i = 0; i < n; i += 1) {
    const noise = (rng() + rng() - 1) * amp;
    const o = i * 3;
    for (let c = 0; c < 3; c += 1) {
      const v = (src[o + c] as number) + noise;
      out[o + c] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
    }
  }
  return { ...img, data: out };
}

/**
 * White balance by the gray-world assumption: the average colour of a scene is neutral, so each
 * channel is scaled to bring its mean to the mean of the three (gains kept within 0.5…2, so a
 * photo of one strongly coloured thing is not turned grey).
 */
export async function whiteBalance(img: Img): Promise<Img> {
  const { channels } = await toSharp(img).stats();
  const means = [0, 1, 2].map((c) => Math.max(1, channels[c]?.mean ?? 128));
  const grey = (means[0]! + means[1]! + means[2]!) / 3;
  const gains = means.map((m) => Math.min(2, Math.max(0.5, grey / m)));
  return fromSharp(linearRgb(img, gains, [0, 0, 0]));
}

/** Hue bands (degrees) for selective colour; a soft edge of 15° on each side. */
export const HUE_BANDS: Readonly<Record<HueBand, readonly [number, number]>> = {
  reds: [345, 15],
  oranges: [15, 45],
  yellows: [45, 75],
  greens: [75, 165],
  cyans: [165, 200],
  blues: [200, 255],
  purples: [255, 290],
  magentas: [290, 345],
};

/**
 * Scales the saturation of the pixels whose hue lies in `band` (HSV in place; others untouched):
 * full effect inside the band, fading linearly over 15° outside it.
 */
export function selectiveColour(img: Img, band: HueBand, factor: number): Img {
  const out = Buffer.from(img.data);
  const n = img.width * img.height;
  const [from, to] = HUE_BANDS[band];
  const wraps = from > to;
  for (let i = 0, o = 0; i < n; i += 1, o += 3) {
    const r = out[o] as number;
    const g = out[o + 1] as number;
    const b = out[o + 2] as number;
    const max = r > g ? (r > b ? r : b) : g > b ? g : b;
    const min = r < g ? (r < b ? r : b) : g < b ? g : b;
    const chroma = max - min;
    if (chroma < 4) continue;
    let h: number;
    if (max === r) {
      h = 60 * ((g - b) / chroma);
      if (h < 0) h += 360;
    } else if (max === g) h = 60 * ((b - r) / chroma) + 120;
    else h = 60 * ((r - g) / chroma) + 240;
    let w = 1;
    if (wraps ? h < from && h > to : h < from || h > to) {
      // Distance to the nearer end of the band, around the circle.
      let d1 = h > from ? h - from : from - h;
      if (d1 > 180) d1 = 360 - d1;
      let d2 = h > to ? h - to : to - h;
      if (d2 > 180) d2 = 360 - d2;
      const d = d1 < d2 ? d1 : d2;
      if (d >= 15) continue;
      w = 1 - d / 15;
    }
    // Scale the distance of each channel from the maximum (the value stays, the chroma changes).
    // The new minimum, max − chroma·k, stops at 0.
    const k = 1 + (factor - 1) * w;
    const scale = max - chroma * k > 0 ? k : max / chroma;
    out[o] = Math.round(max - (max - r) * scale);
    out[o + 1] = Math.round(max - (max - g) * scale);
    out[o + 2] = Math.round(max - (max - b) * scale);
  }
  return { ...img, data: out };
}
