/** Small sharp helpers for the worker (sharp works in worker threads). */
import sharp from 'sharp';
import type { WireImage } from '../protocol.js';

export function toSharp(img: WireImage): sharp.Sharp {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: img.channels } });
}

/** Interleaved RGB of `img` resized to exactly w x h (no aspect preservation). */
export async function resizedRgb(img: WireImage, w: number, h: number): Promise<Buffer> {
  let s = toSharp(img);
  if (img.channels === 4) s = s.removeAlpha();
  if (w !== img.width || h !== img.height) s = s.resize(w, h, { fit: 'fill', kernel: 'cubic' });
  return s.raw().toBuffer();
}

/** Resizes a one-channel 8-bit plane. */
export async function resizePlane(plane: Uint8Array, w: number, h: number, toW: number, toH: number): Promise<Buffer> {
  return sharp(plane, { raw: { width: w, height: h, channels: 1 } })
    .resize(toW, toH, { fit: 'fill', kernel: 'cubic' })
    .extractChannel(0)
    .raw()
    .toBuffer();
}

/** Scale that brings the longer side down to `max` (1 when already small enough). */
export function fitScale(width: number, height: number, max: number): number {
  return Math.min(1, max / Math.max(width, height));
}
