import type { Clause } from '../parser/clause.js';
import * as geometry from '../steps/geometry.js';
import { clamp, round2 } from './amounts.js';
import { pct } from './words.js';
import { defineOp } from './spec.js';

/** "16:9", "4 by 3", square, widescreen, portrait. */
export function ratioOf(c: Clause): [number, number] | undefined {
  const m = c.take(/(\d+(?:\.\d+)?)\s*(?::|比|by|\/)\s*(\d+(?:\.\d+)?)(?!\s*(?:px|pixels?|像素))/);
  if (m) {
    const w = Number(m[1]);
    const h = Number(m[2]);
    if (w > 0 && h > 0 && w / h <= 4 && h / w <= 4) return [w, h];
    return undefined;
  }
  if (c.take(/\bsquare\b|正方形|方形|方图/)) return [1, 1];
  if (c.take(/\b(?:widescreen|wide\s*screen|landscape)\b|宽屏|横屏|横版/)) return [16, 9];
  if (c.take(/\b(?:portrait|vertical|story|stories)\b|竖屏|竖版/)) return [9, 16];
  return undefined;
}

const HALVES: Record<string, 'left-half' | 'right-half' | 'top-half' | 'bottom-half'> = {
  left: 'left-half',
  左: 'left-half',
  right: 'right-half',
  右: 'right-half',
  top: 'top-half',
  upper: 'top-half',
  上: 'top-half',
  bottom: 'bottom-half',
  lower: 'bottom-half',
  下: 'bottom-half',
};
const OPPOSITE = { 'left-half': 'right-half', 'right-half': 'left-half', 'top-half': 'bottom-half', 'bottom-half': 'top-half' } as const;
const REGION_ZH = { 'left-half': '左半部分', 'right-half': '右半部分', 'top-half': '上半部分', 'bottom-half': '下半部分' } as const;

const ZOOM = /\bzoom(?:ed)?\s+in\b|\bclose[\s-]*up\b|拉近|特写|放大局部|局部放大/;
const CROP =
  /\b(?:crop|cropped|cropping|cut\s+away|cut\s+off)\b|\b(?:make|turn)\b[^,.;]*?(?:\bsquare\b|\d+\s*:\s*\d+)|裁剪|裁切|剪裁|截取|裁成|裁掉|裁|切掉|切成|(?:变成|改成|做成)(?:正方形|方形|\d+\s*:\s*\d+)/;

export default defineOp({
  id: 'crop',
  name: 'crop',
  concepts: ['crop', 'cut', 'square', 'aspect ratio', 'keep the middle', 'zoom in', 'close-up', '裁剪', '裁成正方形', '裁切', '特写', '只保留中间'],
  trigger: new RegExp(`${ZOOM.source}|${CROP.source}|只保留中间|保留中间`),
  parse(c) {
    if (c.has(ZOOM)) {
      c.takeAll(/\bzoom(?:ed)?\s+in\b|\bclose[\s-]*up\b|\b(?:on|the|center|middle)\b|拉近|特写|放大局部|局部放大|中间|中心/);
      const m = c.multiplier();
      return { op: 'cropCenter', fraction: round2(clamp(1 / (m ?? 2), 0.05, 1)) };
    }
    const out = c.take(/\bcrop\s+out\b|\bcut\s+(?:away|off|out)\b|裁掉|切掉|去掉/);
    c.takeAll(
      /\b(?:crop|cropped|cropping|cut|keep|just|only|the|to|into|an?|of|aspect|ratio|format|around|portrait|landscape|make|turn|for|tighter|tight|part)\b|变成|改成|做成|裁剪|裁切|剪裁|截取|裁成|裁|切成|剪|保留|只|比例|为|成|部分/,
    );
    const region = c.take(/\b(left|right|top|bottom|upper|lower)\s+half\b|(左|右|上|下)半(?:部分|边|部|张)?/);
    if (region) {
      const r = HALVES[(region[1] ?? region[2]) as string] ?? 'left-half';
      // "crop out the left half" removes it: the other half stays.
      return { op: 'cropRegion', region: out ? OPPOSITE[r] : r };
    }
    const ratio = ratioOf(c);
    const centre = c.take(/\b(?:center(?:ed)?|middle|central)\b|居中|中间|中央|中心/);
    if (ratio) return { op: 'cropAspect', ratio };
    const p = c.percent();
    const edges = c.take(
      /\b(?:from\s+)?(?:each|every|all)\s+(?:sides?|edges?)|(?:off|from)\s+the\s+(?:edges|sides|borders)|\bedges\b|\bsides\b|四周|边缘|每边|各边/,
    );
    if (p !== undefined) return { op: 'cropCenter', fraction: round2(clamp(edges ? 1 - 2 * p : p, 0.05, 1)) };
    if (out && !edges && !centre) return undefined;
    return { op: 'cropCenter', fraction: 0.8 };
  },
  kinds: {
    cropAspect: {
      traits: { changes: ['geometry'] },
      describe: (op, zh) =>
        op.ratio[0] === op.ratio[1]
          ? zh
            ? '将图像居中裁剪为正方形。'
            : 'Crop the image to a centred square.'
          : zh
            ? `将图像居中裁剪为${op.ratio[0]}:${op.ratio[1]}的比例。`
            : `Crop the image to a centred ${op.ratio[0]}:${op.ratio[1]} aspect ratio.`,
      pipe: (op, size) => geometry.cropAspect(size, op.ratio),
    },
    cropCenter: {
      traits: { changes: ['geometry'] },
      describe: (op, zh) => (zh ? `裁剪保留图像中央${pct(op.fraction)}的区域。` : `Crop to the central ${pct(op.fraction)} of the image.`),
      pipe: (op, size) => geometry.cropCenter(size, op.fraction),
    },
    cropRegion: {
      traits: { changes: ['geometry'] },
      describe: (op, zh) => (zh ? `裁剪保留图像的${REGION_ZH[op.region]}。` : `Crop to the ${op.region.replace('-', ' ')} of the image.`),
      pipe: (op, size) => geometry.cropRegion(size, op.region),
    },
  },
  catalogue: {
    title: 'Crop',
    family: 'Geometry',
    en: [
      'crop to a square',
      'make it 16:9',
      'crop to 16:9',
      'crop the centre 50%',
      'crop 10% from each side',
      'crop the left half',
      'crop out the left half',
      'cut away the edges and keep just the middle',
      'zoom in 2x',
    ],
    zh: ['裁剪成正方形', '裁剪为16:9', '裁成4比3', '裁剪保留中间60%', '裁掉右半部分', '只保留中间部分，四周裁掉', '拉近'],
    params:
      'Aspect ratio (square, W:H, "W by H", 宽屏/竖屏), centred; "the centre N%" keeps that fraction; "N% from each side" removes it; "the left half" keeps it, "crop out / 裁掉 the left half" keeps the other half; "zoom in N×" keeps 1/N. Plain "crop" or "cut away the edges" keeps the centre 80 %.',
    demo: { prompt: 'crop to a square' },
  },
});
