/**
 * Text rendering with the shipped fonts (fonts.ts): pango through sharp's `text` input, a soft
 * contrasting shadow under the glyphs so the text reads on any background.
 */
import sharp from 'sharp';
import { fontFor } from '../fonts.js';
import type { Img } from '../image.js';
import type { Size } from '../ops/spec.js';
import { Stage, applyPipe, materialise, type Pipe } from '../pipeline.js';
import type { Colour, Position } from '../plan.js';

const escapeMarkup = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const hex = (rgb: readonly number[]): string => `#${rgb.map((v) => v.toString(16).padStart(2, '0')).join('')}`;

export interface RenderedText {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
}

/** Renders text as premultiplied-free RGBA, at most `maxWidth` wide (wrapping), `px` font size. */
export async function renderText(text: string, rgb: readonly [number, number, number], px: number, maxWidth: number, opacity = 1): Promise<RenderedText> {
  const font = fontFor(text, true);
  const alpha = Math.round(Math.max(0, Math.min(1, opacity)) * 65535);
  const markup = `<span foreground="${hex(rgb)}" fgalpha="${alpha}">${escapeMarkup(text)}</span>`;
  const { data, info } = await sharp({
    text: {
      text: markup,
      font: `${font.family} ${Math.max(4, Math.round(px))}px`,
      fontfile: font.file,
      rgba: true,
      dpi: 72,
      width: Math.max(8, Math.floor(maxWidth)),
      align: 'centre',
      wrap: 'word-char',
    },
  })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

export function place(position: Position, w: number, h: number, W: number, H: number, margin: number): { left: number; top: number } {
  const cx = Math.round((W - w) / 2);
  const cy = Math.round((H - h) / 2);
  const l = margin;
  const r = W - w - margin;
  const t = margin;
  const b = H - h - margin;
  const pos = {
    top: [cx, t],
    bottom: [cx, b],
    center: [cx, cy],
    left: [l, cy],
    right: [r, cy],
    'top-left': [l, t],
    'top-right': [r, t],
    'bottom-left': [l, b],
    'bottom-right': [r, b],
  }[position] as [number, number];
  return { left: Math.max(0, Math.min(W - w, pos[0])), top: Math.max(0, Math.min(H - h, pos[1])) };
}

/** Draws `text` with a soft shadow; `size` is the font size as a fraction of the shorter side. */
export async function addText(img: Img, text: string, position: Position, colour: Colour, size: number, opacity = 1): Promise<Img> {
  return materialise(await applyPipe(img, await textPipe(img, text, position, colour, size, opacity)));
}

/** The text and its shadow, rendered now and composited where the pipeline reaches that stage. */
export async function textPipe(img: Size, text: string, position: Position, colour: Colour, size: number, opacity = 1): Promise<Pipe> {
  const short = Math.min(img.width, img.height);
  const margin = Math.round(short * 0.04);
  const px = Math.max(6, size * short);
  const maxWidth = img.width - 2 * margin;
  const luminance = 0.299 * colour.rgb[0] + 0.587 * colour.rgb[1] + 0.114 * colour.rgb[2];
  const shadowRgb: [number, number, number] = luminance > 110 ? [0, 0, 0] : [255, 255, 255];
  let glyphs = await renderText(text, colour.rgb, px, maxWidth, opacity);
  // Very long text at a large size may still be taller than the image: shrink it to fit.
  if (glyphs.height > img.height - 2 * margin || glyphs.width > img.width) {
    const k = Math.min((img.height - 2 * margin) / glyphs.height, img.width / glyphs.width);
    const w = Math.max(1, Math.floor(glyphs.width * k));
    const h = Math.max(1, Math.floor(glyphs.height * k));
    const data = await sharp(glyphs.data, { raw: { width: glyphs.width, height: glyphs.height, channels: 4 } })
      .resize(w, h, { fit: 'fill' })
      .raw()
      .toBuffer();
    glyphs = { data, width: w, height: h };
  }
  // The shadow from the same raster: blurred, then the shadow colour at 55 % of the glyphs' alpha.
  const shadowSigma = Math.max(0.6, px / 18);
  const shadow = await sharp(glyphs.data, { raw: { width: glyphs.width, height: glyphs.height, channels: 4 } })
    .blur(shadowSigma)
    .linear([0, 0, 0, 0.55], [...shadowRgb, 0])
    .raw()
    .toBuffer();
  const { left, top } = place(position, glyphs.width, glyphs.height, img.width, img.height, margin);
  const offset = Math.max(1, Math.round(px / 24));
  const raw = (t: RenderedText) => ({ width: t.width, height: t.height, channels: 4 as const });
  const layers = [
    {
      input: shadow,
      raw: raw(glyphs),
      left: Math.min(img.width - glyphs.width, left + offset),
      top: Math.min(img.height - glyphs.height, top + offset),
    },
    { input: glyphs.data, raw: raw(glyphs), left, top },
  ];
  return { stage: Stage.Composite, closes: true, width: img.width, height: img.height, apply: (p) => p.composite(layers) };
}
