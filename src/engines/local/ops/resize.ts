import * as geometry from '../steps/geometry.js';
import { clamp, round2 } from './amounts.js';
import { pct } from './words.js';
import { defineOp } from './spec.js';

const DIMS = /(\d{2,5})\s*(?:px\s*|pixels?\s*)?(?:x|×|\*|by|乘|乘以)\s*(\d{2,5})(?!\s*(?:grid|宫格))/;

export default defineOp({
  id: 'resize',
  name: 'resize/scale',
  concepts: ['resize', 'scale', 'shrink', 'enlarge', 'dimensions', 'smaller', 'bigger', 'pixels wide', '缩放', '缩小', '放大', '尺寸', '调整大小'],
  trigger: new RegExp(
    `\\b(?:resize|resized|scale|scaled|rescale|shrink|enlarge|downsize|downscale|upsize|bigger|smaller|larger|size)\\b|\\bas\\s+(?:big|large)\\b|\\d{2,5}\\s*(?:px\\s*|pixels?\\s*)?(?:wide|tall|high)\\b|\\b(?:width|height)\\b|${DIMS.source}|缩放|缩小|放大|尺寸|大小|变大|变小|宽度|高度|压缩(?:一下)?(?:尺寸|大小)|\\d+\\s*像素宽`,
  ),
  parse(c) {
    const dims = c.take(DIMS);
    if (dims) {
      c.takeAll(/\b(?:resize|resized|scale|scaled|rescale|to|pixels?|px|size|make|exactly|output)\b|缩放|尺寸|大小|调整|像素|改成|改为|变成/);
      return { op: 'resizeTo', width: Number(dims[1]), height: Number(dims[2]) };
    }
    const w = c.take(
      /(\d{2,5})\s*(?:px\s*|pixels?\s*)?(?:wide|width)\b|\bwidth\s*(?:of\s*|to\s*|=\s*)?(\d{2,5})|宽(?:度)?[^\d]{0,4}?(\d{2,5})|(\d{2,5})\s*(?:像素|px)?\s*宽/,
    );
    const h = c.take(/(\d{2,5})\s*(?:px\s*|pixels?\s*)?(?:tall|high|height)\b|\bheight\s*(?:of\s*|to\s*|=\s*)?(\d{2,5})|高(?:度)?[^\d]{0,4}?(\d{2,5})/);
    if (w || h) {
      c.takeAll(
        /\b(?:resize|resized|scale|scaled|rescale|shrink|enlarge|downscale|downsize|to|pixels?|px|size|keep|keeping|aspect|ratio|proportions?|make)\b|缩放|缩小|放大|尺寸|大小|调整|像素|保持比例|等比/,
      );
      const num = (m: RegExpExecArray | undefined): number | undefined => (m ? Number(m[1] ?? m[2] ?? m[3] ?? m[4]) : undefined);
      return { op: 'resizeTo', width: num(w), height: num(h) };
    }
    const smaller = c.take(/\b(?:shrink|smaller|downsize|downscale|reduce|decrease|down|compress)\b|缩小|变小|减小|压缩|缩减/);
    const bigger = smaller ? undefined : c.take(/\b(?:enlarge|bigger|larger|upsize|increase|grow|up)\b|放大|变大|增大/);
    const to = c.take(/\bto\b|到|至|为/);
    const by = c.take(/\bby\b/);
    const p = c.percent();
    const m = p === undefined ? c.multiplier() : undefined;
    c.takeAll(/\b(?:resize|resized|scale|scaled|rescale|size|make|the|its|original|times|as|big|large)\b|缩放|尺寸|原来的|原图|大小|调整/);
    let scale: number;
    if (p !== undefined) scale = smaller && !to ? 1 - p : bigger && (by || !to) ? 1 + p : p;
    else if (m !== undefined) scale = smaller && m > 1 ? 1 / m : m;
    else scale = smaller ? 0.5 : bigger ? 1.5 : NaN;
    if (!Number.isFinite(scale) || scale <= 0) return undefined;
    return { op: 'resize', scale: round2(clamp(scale, 0.05, 8)) };
  },
  kinds: {
    resize: {
      traits: { changes: ['geometry'], sizing: true },
      describe: (op, zh) => (zh ? `将图像缩放到原尺寸的${pct(op.scale)}。` : `Scale the image to ${pct(op.scale)} of its size.`),
      pipe: (op, size) => geometry.resize(size, op.scale),
    },
    resizeTo: {
      traits: { changes: ['geometry'], sizing: true },
      describe: (op, zh) =>
        zh ? `将图像尺寸调整为${op.width ?? '自动'}×${op.height ?? '自动'}像素。` : `Resize the image to ${op.width ?? 'auto'}×${op.height ?? 'auto'} pixels.`,
      pipe: (op, size, ctx) => geometry.resizeTo(size, op.width, op.height, ctx.hints),
    },
  },
  catalogue: {
    title: 'Resize / scale',
    family: 'Geometry',
    en: [
      'scale to 50%',
      'make it twice as big',
      'shrink by 30%',
      'resize to 800x600',
      'resize to 800 pixels wide',
      'scale this down by 50%',
      'half the size',
      'make this 800x600',
    ],
    zh: ['缩小一半', '放大两倍', '缩放到50%', '尺寸调整为800x600', '宽度调整为640像素', '尺寸改成800乘600'],
    params:
      'Scale factor or pixel size (one side keeps the aspect ratio; both sides stretch unless the negative prompt says "stretched/变形", then it crops). **The size the instruction states is the output size**: without the `size` parameter the result is returned at exactly that size (no refit to about 1280×1280); with `size` too, the two must agree (±1 px), otherwise the task fails with `InvalidParameter` naming both. The size may be outside the 768×768–1280×1280 range of `size` (twice 800×600 is 1600×1200); working limit 25 megapixels, past which the task fails saying so.',
  },
});
