import * as tone from '../steps/tone.js';
import { DOWN, UP, change } from './amounts.js';
import { delta } from './words.js';
import { defineOp } from './spec.js';

export default defineOp({
  id: 'saturation',
  name: 'saturation',
  concepts: ['saturation', 'vivid', 'vibrant', 'colourful', 'muted', 'desaturate', 'colour intensity', '饱和度', '鲜艳', '淡雅'],
  trigger:
    /\b(?:saturation|saturate|saturated|desaturate|desaturated|vivid|vibrant|colorful|muted|washed[\s-]*out|vibrance|pop|loud|garish|dull)\b|饱和|鲜艳|艳丽|浓郁|淡雅|素雅|色彩更|颜色更|太艳|艳/,
  parse(c) {
    const less = c.take(/\bless\b|\bnot\s+(?:so|as)\b|\btoo\s+(?:loud|garish|saturated|vivid|strong)\b|不那么|没那么|太艳/);
    const down = c.take(/\b(?:desaturate|desaturated|muted|washed[\s-]*out|dull|duller)\b|淡雅|素雅|暗淡|黯淡/);
    const up = down ? undefined : c.take(/\b(?:saturate|saturated|vivid|vibrant|colorful|pop)\b|鲜艳|艳丽|浓郁|饱满/);
    let dir = down ? -1 : up ? 1 : c.direction(UP, DOWN) || (less ? -1 : 1);
    if (less && (up || down)) dir = -dir;
    c.takeAll(/\b(?:saturation|vibrance|colors?|make|the|more|loud|garish|tone)\b|饱和度|饱和|色彩|颜色|饱满|更|艳/);
    return { op: 'saturation', factor: change(c, dir, down ? 0.4 : 0.3) };
  },
  kinds: {
    saturation: {
      traits: { changes: ['colour'] },
      describe: (op, zh) =>
        zh
          ? `将饱和度${op.factor >= 1 ? '提高' : '降低'}${delta(op.factor)}。`
          : `${op.factor >= 1 ? 'Increase' : 'Decrease'} the saturation by ${delta(op.factor)}.`,
      pipe: (op, size) => tone.saturation(size, op.factor),
    },
  },
  catalogue: {
    title: 'Saturation',
    family: 'Tone and colour',
    en: ['more saturated', 'make the colors more vibrant', 'desaturate', 'muted colours', 'tone down the saturation'],
    zh: ['饱和度提高50%', '颜色更鲜艳', '降低饱和度', '淡雅一些', '让色彩更鲜艳饱满'],
    params: 'Up: +30 % by default; "desaturate/muted/淡雅": −40 %. libvips `modulate`.',
    demo: { prompt: 'more vivid' },
  },
});
