import { rgbOnly } from '../steps/helpers.js';
import * as tone from '../steps/tone.js';
import type { HueBand } from '../plan.js';
import { DOWN, UP, change } from './amounts.js';
import { delta } from './words.js';
import { defineOp } from './spec.js';

const BANDS: ReadonlyArray<readonly [RegExp, HueBand, string]> = [
  [/\breds?\b|红色|红/, 'reds', '红色'],
  [/\boranges?\b|橙色|橙/, 'oranges', '橙色'],
  [/\byellows?\b|黄色|黄/, 'yellows', '黄色'],
  [/\bgreens?\b|\bgreenery\b|\bfoliage\b|绿色|绿/, 'greens', '绿色'],
  [/\bcyans?\b|\bteals?\b|青色|青/, 'cyans', '青色'],
  [/\bblues?\b|蓝色|蓝/, 'blues', '蓝色'],
  [/\b(?:purples?|violets?)\b|紫色|紫/, 'purples', '紫色'],
  [/\bmagentas?\b|\bpinks?\b|品红|洋红|粉色/, 'magentas', '品红色'],
];

const FAMILY = '(?:reds|oranges|yellows|greens|cyans|teals|blues|purples|violets|magentas|pinks|greenery|foliage)';
const COLOUR_OF = '(?:red|orange|yellow|green|cyan|teal|blue|purple|violet|magenta|pink)\\s+(?:colors|tones|hues|parts|areas)';
const VIVID =
  '(?:vivid|vibrant|saturated|saturation|colorful|intense|punchy|pop|richer|rich|muted|desaturate[sd]?|duller|dull|boost|strengthen|enhance|intensify)';

export default defineOp({
  id: 'selective-colour',
  name: 'selective colour (one hue range)',
  concepts: ['selective colour', 'make the greens more vivid', 'boost the blues', 'hue range', 'only the reds', '某种颜色更鲜艳', '绿色更鲜艳'],
  trigger: new RegExp(
    `\\b(?:${FAMILY}|${COLOUR_OF})\\b.*\\b${VIVID}\\b|\\b${VIVID}\\b.*\\b(?:${FAMILY}|${COLOUR_OF})\\b|(?:红|橙|黄|绿|青|蓝|紫)色(?:部分|调)?(?:更|再)?(?:鲜艳|饱和|浓郁|艳丽|淡)|(?:增强|加强|提高|降低|减弱)(?:一下)?(?:红|橙|黄|绿|青|蓝|紫)色(?:的)?(?:饱和度|鲜艳度)?`,
  ),
  parse(c) {
    let band: HueBand | undefined;
    for (const [re, b] of BANDS) {
      if (c.take(re)) {
        band = b;
        break;
      }
    }
    if (!band) return undefined;
    const down = c.take(/\b(?:muted|desaturate[sd]?|duller|dull|less)\b|淡|降低|减弱/);
    const up = down ? undefined : c.take(/\b(?:vivid|vibrant|saturated|colorful|intense|punchy|pop|richer|rich|intensify)\b|鲜艳|浓郁|艳丽|饱和/);
    const dir = down ? -1 : up ? 1 : c.direction(UP, DOWN) || 1;
    c.takeAll(/\b(?:colors|tones|hues|parts|areas|saturation|more|the|only|just)\b|部分|色调|饱和度|鲜艳度|饱和|更|再|色|的/);
    return { op: 'selectiveColour', band, factor: change(c, dir, 0.4) };
  },
  kinds: {
    selectiveColour: {
      traits: { changes: ['colour'] },
      describe: (op, zh) => {
        const zhName = BANDS.find(([, b]) => b === op.band)?.[2] ?? op.band;
        return zh
          ? `将${zhName}部分的饱和度${op.factor >= 1 ? '提高' : '降低'}${delta(op.factor)}，其他颜色不变。`
          : `${op.factor >= 1 ? 'Increase' : 'Decrease'} the saturation of the ${op.band} by ${delta(op.factor)}, other colours unchanged.`;
      },
      run: (img, op) => rgbOnly(img, (i) => tone.selectiveColour(i, op.band, op.factor)),
    },
  },
  catalogue: {
    title: 'Selective colour (one hue range)',
    family: 'Tone and colour',
    en: ['make the greens more vivid', 'desaturate the blues', 'boost the reds by 50%'],
    zh: ['绿色更鲜艳一点', '降低蓝色的饱和度'],
    params:
      'Hue bands: reds, oranges, yellows, greens (75°–165°), cyans, blues, purples, magentas, with a 15° soft edge. The saturation of those pixels changes by 40 % by default (same amount words as brightness); every other colour is left as it is.',
    demo: { prompt: 'make the greens more vivid' },
  },
});
