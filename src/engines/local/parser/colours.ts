/** Colour names in English and Chinese (and #rrggbb) → sRGB. */
import type { Colour } from '../plan.js';

const TABLE: ReadonlyArray<readonly [en: string, zh: string, hex: string, enAliases: string[], zhAliases: string[]]> = [
  ['dark red', '深红色', '#8b0000', ['crimson', 'maroon', 'burgundy'], ['深红', '酒红', '暗红']],
  ['light blue', '浅蓝色', '#87ceeb', ['sky blue', 'sky-blue', 'baby blue'], ['浅蓝', '天蓝', '天蓝色', '淡蓝']],
  ['dark blue', '深蓝色', '#00008b', ['navy', 'navy blue'], ['深蓝', '藏青', '藏青色', '藏蓝', '海军蓝']],
  ['light green', '浅绿色', '#90ee90', ['mint'], ['浅绿', '淡绿', '薄荷绿']],
  ['dark green', '深绿色', '#006400', ['forest green', 'olive'], ['深绿', '墨绿', '橄榄绿']],
  ['light gray', '浅灰色', '#d3d3d3', ['light grey', 'silver'], ['浅灰', '银色', '银']],
  ['dark gray', '深灰色', '#404040', ['dark grey', 'charcoal'], ['深灰']],
  ['red', '红色', '#ff0000', ['scarlet'], ['红', '大红']],
  ['orange', '橙色', '#ff8c00', [], ['橙', '橘色', '橘黄色', '橘']],
  ['yellow', '黄色', '#ffd700', [], ['黄']],
  ['gold', '金色', '#d4af37', ['golden'], ['金黄色', '金']],
  ['green', '绿色', '#00a000', ['lime'], ['绿']],
  ['teal', '青绿色', '#008080', ['turquoise', 'aqua'], ['蓝绿色', '青绿', '湖蓝']],
  ['cyan', '青色', '#00ffff', [], ['青']],
  ['blue', '蓝色', '#0050ff', [], ['蓝']],
  ['purple', '紫色', '#800080', ['violet', 'lavender'], ['紫', '紫罗兰色']],
  ['magenta', '品红色', '#ff00ff', ['fuchsia'], ['品红', '洋红', '洋红色', '玫红', '玫红色']],
  ['pink', '粉色', '#ff69b4', ['rose'], ['粉红色', '粉红', '粉']],
  ['brown', '棕色', '#8b4513', ['chocolate', 'coffee'], ['棕', '褐色', '咖啡色', '褐']],
  ['beige', '米色', '#f5f5dc', ['cream', 'ivory'], ['米白', '米白色', '奶油色']],
  ['white', '白色', '#ffffff', [], ['白']],
  ['black', '黑色', '#000000', [], ['黑']],
  ['gray', '灰色', '#808080', ['grey'], ['灰']],
];

function hexToRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

interface Entry {
  readonly pattern: string;
  readonly colour: Colour;
}

/** Longest names first so that "dark red" wins over "red" and "浅蓝色" over "蓝". */
const ENTRIES: readonly Entry[] = TABLE.flatMap(([en, zh, hex, enAliases, zhAliases]) => {
  const colour: Colour = { rgb: hexToRgb(hex), en, zh };
  return [en, ...enAliases, zh, ...zhAliases].map((pattern) => ({ pattern, colour }));
}).sort((a, b) => b.pattern.length - a.pattern.length);

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** One regex matching any colour name; group 1 is the name or hex. */
export const COLOUR_RE = new RegExp(
  `(#[0-9a-f]{6}\\b|#[0-9a-f]{3}\\b|${ENTRIES.map((e) => (/^[a-z]/.test(e.pattern) ? `\\b${escape(e.pattern)}\\b` : escape(e.pattern))).join('|')})`,
);

export function colourFromName(name: string): Colour | undefined {
  if (name.startsWith('#')) {
    const hex = name.length === 4 ? `#${[...name.slice(1)].map((c) => c + c).join('')}` : name;
    return { rgb: hexToRgb(hex), en: hex, zh: hex };
  }
  return ENTRIES.find((e) => e.pattern === name)?.colour;
}

export const WHITE: Colour = { rgb: [255, 255, 255], en: 'white', zh: '白色' };
export const BLACK: Colour = { rgb: [0, 0, 0], en: 'black', zh: '黑色' };
