import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import type { RawImage } from '../../../src/engines/local/ml/index.js';

const require = createRequire(import.meta.url);

/**
 * Photos shipped in @vladmandic/face-api's demo/ (devDependency, MIT package). They are read from
 * node_modules at test time rather than copied into the repo: the photos' own rights are unclear.
 */
export function samplePhoto(n: number): string {
  const dir = path.dirname(path.dirname(require.resolve('@vladmandic/face-api')));
  const p = path.join(dir, 'demo', `sample${n}.jpg`);
  if (!fs.existsSync(p)) throw new Error(`missing fixture ${p}`);
  return p;
}

export async function loadRgb(file: string, width: number): Promise<RawImage> {
  const { data, info } = await sharp(file).resize(width).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: 3 };
}

export function psnr(a: Buffer, b: Buffer): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let se = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    se += d * d;
  }
  return 10 * Math.log10((255 * 255) / (se / a.length));
}

export function meanAbsDiff(a: Buffer, b: Buffer): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
}

/** Mean of a one-byte-per-pixel plane over a square patch. */
export function patchMean(plane: Buffer, width: number, x0: number, y0: number, size: number): number {
  let t = 0;
  for (let y = y0; y < y0 + size; y++) for (let x = x0; x < x0 + size; x++) t += plane[y * width + x]!;
  return t / (size * size);
}

/** A text layer (RGBA PNG) rendered by sharp with the DejaVu font from npm when available. */
export async function renderText(text: string, sizePt: number, colour: string): Promise<Buffer> {
  let fontfile: string | undefined;
  try {
    fontfile = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf', 'DejaVuSans-Bold.ttf');
    if (!fs.existsSync(fontfile)) fontfile = undefined;
  } catch {
    fontfile = undefined;
  }
  const markup = `<span foreground="${colour}">${text}</span>`;
  return sharp({ text: { text: markup, font: `DejaVu Sans Bold ${sizePt}`, ...(fontfile ? { fontfile } : {}), rgba: true, dpi: 72 } })
    .png()
    .toBuffer();
}
