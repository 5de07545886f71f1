import * as tone from '../steps/tone.js';
import { DOWN, UP, change } from './amounts.js';
import { delta } from './words.js';
import { defineOp } from './spec.js';

export default defineOp({
  id: 'brightness',
  name: 'brightness',
  concepts: ['brightness', 'brighter', 'darker', 'lighter', 'exposure', 'light', 'dark', '亮度', '调亮', '变暗', '曝光', '提亮'],
  trigger:
    /\b(?:bright|brighter|brighten|brightness|lighten|lighter|exposure|expose|dark|darker|darken|dim|dimmer|dimmed|underexposed|overexposed)\b|亮|暗|曝光/,
  parse(c) {
    const less = c.take(/\bless\b|\bnot\s+(?:so|as)\b|不那么|没那么/);
    const tooDark = c.take(/\btoo\s+(?:dark|dim)\b|太暗|过暗|偏暗|\bunderexposed\b|曝光不足|欠曝/);
    const tooBright = tooDark ? undefined : c.take(/\btoo\s+bright\b|太亮|过亮|偏亮|过曝|曝光过度|\boverexposed\b/);
    const darker = tooDark || tooBright ? undefined : c.take(/\b(?:darker|darken|dark|dim|dimmer|dimmed)\b|变暗|调暗|压暗|暗一些|暗一点|暗/);
    // "Make it darker but brighter", "increase and decrease the brightness": no one direction to take.
    if (darker && c.has(/\b(?:brighter|brighten|lighten|lighter)\b|变亮|调亮|提亮/)) return undefined;
    if (c.has(/\b(?:increase|raise|boost)\b/) && c.has(/\b(?:decrease|reduce|lower)\b/)) return undefined;
    const down = tooDark ? undefined : (tooBright ?? darker);
    let dir = tooDark ? 1 : down ? -1 : less ? -1 : c.direction(UP, DOWN);
    if (less && (down || tooDark)) dir = -dir;
    c.takeAll(
      /\b(?:bright|brighter|brighten|brightness|lighten|lighter|exposure|expose|light|up|tone)\b|亮度|变亮|调亮|提亮|亮一些|亮一点|亮|曝光度|曝光|压一压|压/,
    );
    return { op: 'brightness', factor: change(c, dir, 0.2) };
  },
  kinds: {
    brightness: {
      traits: { changes: ['colour'] },
      describe: (op, zh) =>
        zh
          ? `将亮度${op.factor >= 1 ? '提高' : '降低'}${delta(op.factor)}。`
          : `${op.factor >= 1 ? 'Increase' : 'Decrease'} the brightness by ${delta(op.factor)}.`,
      pipe: (op, size) => tone.brightness(size, op.factor),
    },
  },
  catalogue: {
    title: 'Brightness',
    family: 'Tone and colour',
    en: ['make it brighter', 'increase brightness by 30%', 'darker', 'set brightness to 150%', 'lighten the image by a quarter', 'the photo is too dark'],
    zh: ['调亮一点', '亮度提高30%', '变暗', '亮度提高百分之二十', '曝光过度了，把亮度压一压'],
    params:
      'Vague: ±20 %; "slightly / a bit / 一点 / 一些" ±10 %; "much / a lot / 大幅" ±40 %; "by N%" relative, "to N%" absolute, "by a quarter" +25 %; "twice as bright" ×2; "too dark / 太暗" brightens, "overexposed / 过曝" darkens. libvips `modulate` (lightness).',
    demo: { prompt: 'much brighter' },
  },
});
