/**
 * Straighten: find the tilt of the dominant near-horizontal line (a horizon, a table edge) and
 * rotate it level, cropping to the largest upright rectangle so no corner is filled.
 *
 * Tilt detection: on a grey copy at most 512 px wide, Sobel gradients give each strong edge pixel
 * the direction of the line through it; a histogram of those directions within ±20° of horizontal,
 * weighted by edge strength and smoothed over 1°, has its peak at the tilt.
 */
import { toSharp, type Img } from '../image.js';
import { NO_HINTS } from '../negative.js';
import { rotate } from './geometry.js';

const MAX_TILT = 20;
const BIN = 0.25;

export async function detectTilt(img: Img): Promise<number> {
  const width = Math.min(512, img.width);
  const { data, info } = await toSharp(img).resize({ width }).greyscale().extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  const w = info.width;
  const h = info.height;
  const bins = new Float64Array(Math.round((2 * MAX_TILT) / BIN) + 1);
  const at = (x: number, y: number): number => data[y * w + x] as number;
  for (let y = 1; y < h - 1; y += 1) {
    for (let x = 1; x < w - 1; x += 1) {
      const gx = at(x + 1, y - 1) + 2 * at(x + 1, y) + at(x + 1, y + 1) - at(x - 1, y - 1) - 2 * at(x - 1, y) - at(x - 1, y + 1);
      const gy = at(x - 1, y + 1) + 2 * at(x, y + 1) + at(x + 1, y + 1) - at(x - 1, y - 1) - 2 * at(x, y - 1) - at(x + 1, y - 1);
      const mag = Math.hypot(gx, gy);
      if (mag < 60) continue;
      // The line runs perpendicular to the gradient: its angle (y down) is atan(-gx/gy).
      if (Math.abs(gy) < 1e-6) continue;
      const tilt = (Math.atan(-gx / gy) * 180) / Math.PI;
      if (Math.abs(tilt) > MAX_TILT) continue;
      bins[Math.round((tilt + MAX_TILT) / BIN)]! += mag;
    }
  }
  let best = -1;
  let bestScore = 0;
  const half = Math.round(0.5 / BIN);
  for (let i = 0; i < bins.length; i += 1) {
    let s = 0;
    for (let j = Math.max(0, i - half); j <= Math.min(bins.length - 1, i + half); j += 1) s += bins[j]!;
    if (s > bestScore) {
      bestScore = s;
      best = i;
    }
  }
  if (best < 0) return 0;
  // The centroid of the best window, so that a tie between neighbouring windows does not shift it.
  let weight = 0;
  let sum = 0;
  for (let j = Math.max(0, best - half); j <= Math.min(bins.length - 1, best + half); j += 1) {
    weight += bins[j]!;
    sum += bins[j]! * (j * BIN - MAX_TILT);
  }
  return weight > 0 ? sum / weight : 0;
}

/** Rotates by `degrees` (clockwise), or levels the detected tilt, and crops to the inner rectangle. */
export async function straighten(img: Img, degrees: number | undefined): Promise<Img> {
  const angle = degrees ?? -(await detectTilt(img));
  if (Math.abs(angle) < 0.2) return img;
  return rotate(img, angle, { ...NO_HINTS, noBlackBorders: true });
}
