/** Multi-image steps: place one image onto another, collage (side by side, grid, scattered), blend. */
import sharp from 'sharp';
import { checkSize, fromSharp, toSharp, type Img } from '../image.js';
import type { Position } from '../plan.js';
import { createRng } from '../rng.js';
import { place } from './text.js';

const rawOf = (img: Img) => ({ width: img.width, height: img.height, channels: img.channels });

/** Resizes `img` into a w×h box (cover = fill it, cropping; inside = fit it). */
async function fitTo(img: Img, w: number, h: number, fit: 'cover' | 'inside' | 'fill'): Promise<Img> {
  if (img.width === w && img.height === h) return img;
  return fromSharp(toSharp(img).resize(Math.max(1, w), Math.max(1, h), { fit }));
}

export async function overlay(base: Img, source: Img, position: Position, scale: number): Promise<Img> {
  const short = Math.min(base.width, base.height);
  const margin = Math.round(short * 0.03);
  const maxW = Math.max(1, Math.min(base.width - 2 * margin, Math.round(base.width * scale)));
  const maxH = Math.max(1, base.height - 2 * margin);
  const src = await fitTo(source, maxW, maxH, 'inside');
  const { left, top } = place(position, src.width, src.height, base.width, base.height, margin);
  return fromSharp(toSharp(base).composite([{ input: src.data, raw: rawOf(src), left, top }]));
}

interface Tile {
  readonly img: Img;
  readonly left: number;
  readonly top: number;
}

/**
 * Non-overlapping tiles on a white canvas, by row copies (a libvips composite of the same took
 * about twice the time of the whole side-by-side edit). Tiles with alpha are laid over the white.
 */
function tile(width: number, height: number, tiles: readonly Tile[]): Img {
  // The white shows only where the tiles leave gaps (they never overlap).
  const covered = tiles.reduce((sum, t) => sum + t.img.width * t.img.height, 0) === width * height;
  const out = covered ? Buffer.allocUnsafe(width * height * 3) : Buffer.alloc(width * height * 3, 255);
  for (const { img, left, top } of tiles) {
    const rowBytes = img.width * 3;
    for (let y = 0; y < img.height; y += 1) {
      const at = ((top + y) * width + left) * 3;
      if (img.channels === 3) {
        img.data.copy(out, at, y * rowBytes, (y + 1) * rowBytes);
        continue;
      }
      for (let x = 0, i = y * img.width * 4, o = at; x < img.width; x += 1, i += 4, o += 3) {
        const a = img.data[i + 3] as number;
        for (let c = 0; c < 3; c += 1) out[o + c] = Math.round(((img.data[i + c] as number) * a + 255 * (255 - a)) / 255);
      }
    }
  }
  return { data: out, width, height, channels: 3 };
}

export async function collage(images: readonly Img[], layout: 'horizontal' | 'vertical' | 'grid', scatter: boolean, seed: number): Promise<Img> {
  if (scatter) return scattered(images, seed);
  if (layout === 'horizontal' || layout === 'vertical') {
    const horizontal = layout === 'horizontal';
    // Common height (or width): the smallest, so that nothing is enlarged, capped to the limits.
    let common = Math.min(...images.map((i) => (horizontal ? i.height : i.width)));
    const along = (i: Img): number => (horizontal ? (i.width * common) / i.height : (i.height * common) / i.width);
    let total = images.reduce((sum, i) => sum + along(i), 0);
    const cap = Math.min(1, 9000 / total, Math.sqrt(25e6 / (total * common)));
    common = Math.max(1, Math.floor(common * cap));
    const parts = await Promise.all(
      images.map((i) =>
        horizontal
          ? fitTo(i, Math.max(1, Math.round((i.width * common) / i.height)), common, 'fill')
          : fitTo(i, common, Math.max(1, Math.round((i.height * common) / i.width)), 'fill'),
      ),
    );
    total = parts.reduce((sum, p) => sum + (horizontal ? p.width : p.height), 0);
    const width = horizontal ? total : common;
    const height = horizontal ? common : total;
    checkSize(width, height, 'The collage');
    let at = 0;
    const tiles = parts.map((img) => {
      const t = { img, left: horizontal ? at : 0, top: horizontal ? 0 : at };
      at += horizontal ? img.width : img.height;
      return t;
    });
    return tile(width, height, tiles);
  }
  const cols = Math.ceil(Math.sqrt(images.length));
  const rows = Math.ceil(images.length / cols);
  const first = images[0] as Img;
  let cellW = Math.min(...images.map((i) => i.width));
  let cellH = Math.max(1, Math.round((cellW * first.height) / first.width));
  const k = Math.min(1, Math.sqrt(25e6 / (cols * cellW * rows * cellH)));
  cellW = Math.max(1, Math.floor(cellW * k));
  cellH = Math.max(1, Math.floor(cellH * k));
  const parts = await Promise.all(images.map((i) => fitTo(i, cellW, cellH, 'cover')));
  // A lone last row is centred.
  const tiles = parts.map((img, n) => {
    const row = Math.floor(n / cols);
    const inRow = row === rows - 1 ? images.length - row * cols : cols;
    const offset = Math.round(((cols - inRow) * cellW) / 2);
    return { img, left: offset + (n % cols) * cellW, top: row * cellH };
  });
  return tile(cols * cellW, rows * cellH, tiles);
}

/** A playful collage: photos with white frames, tilted and shifted by seeded amounts. */
async function scattered(images: readonly Img[], seed: number): Promise<Img> {
  const rng = createRng(seed);
  const cell = Math.min(1000, Math.max(...images.map((i) => Math.max(i.width, i.height))));
  const cols = images.length;
  const width = Math.round(cell * cols * 0.85 + cell * 0.3);
  const height = Math.round(cell * 1.1);
  checkSize(width, height, 'The collage');
  const layers: sharp.OverlayOptions[] = [];
  for (let n = 0; n < images.length; n += 1) {
    const img = images[n] as Img;
    const photo = await fitTo(img, Math.round(cell * 0.7), Math.round(cell * 0.7), 'inside');
    const frame = Math.max(4, Math.round(cell * 0.025));
    const angle = (rng() - 0.5) * 16;
    const framed = await toSharp(photo)
      .extend({ top: frame, left: frame, right: frame, bottom: frame * 3, background: { r: 255, g: 255, b: 255, alpha: 1 } })
      .ensureAlpha()
      .rotate(angle, { background: { r: 0, g: 0, b: 0, alpha: 0 } })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const jitterX = (rng() - 0.5) * cell * 0.12;
    const jitterY = (rng() - 0.5) * cell * 0.12;
    const cx = cell * 0.15 + cell * 0.85 * (n + 0.5) + jitterX;
    const cy = height / 2 + jitterY;
    const left = Math.round(Math.max(0, Math.min(width - framed.info.width, cx - framed.info.width / 2)));
    const top = Math.round(Math.max(0, Math.min(height - framed.info.height, cy - framed.info.height / 2)));
    if (framed.info.width <= width && framed.info.height <= height) {
      layers.push({ input: framed.data, raw: { width: framed.info.width, height: framed.info.height, channels: 4 }, left, top });
    }
  }
  const canvas = sharp({ create: { width, height, channels: 3, background: { r: 236, g: 232, b: 224 } } });
  return fromSharp(canvas.composite(layers));
}

/** out = base·(1 − opacity) + source·opacity, source resized to cover the base. */
export async function blend(base: Img, source: Img, opacity: number): Promise<Img> {
  const src = await fitTo(source, base.width, base.height, 'cover');
  const out = Buffer.from(base.data);
  const n = base.width * base.height;
  const o = Math.max(0, Math.min(1, opacity));
  for (let i = 0; i < n; i += 1) {
    const bi = i * base.channels;
    const si = i * src.channels;
    const sa = src.channels === 4 ? ((src.data[si + 3] as number) / 255) * o : o;
    for (let c = 0; c < 3; c += 1) {
      const a = base.data[bi + c] as number;
      out[bi + c] = Math.round(a + ((src.data[si + c] as number) - a) * sa);
    }
  }
  return { ...base, data: out };
}
