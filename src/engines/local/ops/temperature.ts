import * as tone from '../steps/tone.js';
import { DOWN, UP, clamp, round2 } from './amounts.js';
import { pct } from './words.js';
import { defineOp } from './spec.js';

/** Colours that only say which way the temperature goes ("a cool blue tone", "warm golden light"). */
const DIRECTION_COLOURS = ['blue', 'light blue', 'dark blue', 'cyan', 'teal', 'orange', 'yellow', 'gold', 'red'];

export default defineOp({
  id: 'temperature',
  name: 'warmer/cooler',
  concepts: ['warm', 'cool', 'cold', 'colour temperature', 'golden', 'icy', '暖色调', '冷色调', '色温'],
  trigger: /\b(?:warm|warmer|warmth|cool|cooler|cold|colder|temperature|icy)\b|暖|冷|色温/,
  parse(c) {
    const less = c.take(/\bless\b|\bnot\s+(?:so|as)\b|不那么|没那么/);
    const cool = c.take(/\b(?:cool|cooler|cold|colder|icy)\b|冷/);
    const warm = cool ? undefined : c.take(/\b(?:warm|warmer|warmth)\b|暖/);
    const dir = (less ? -1 : 1) * (cool ? -1 : warm ? 1 : c.direction(UP, DOWN) || 1);
    const k = c.intensity();
    const p = c.percent();
    const hueWord = c.colour();
    if (hueWord && !DIRECTION_COLOURS.includes(hueWord.en)) return undefined;
    c.takeAll(/\b(?:color|temperature|tones?|toned|feel|look|light|white\s+balance|up|down|ish)\b|色温|色调|调子|色|感|带点|带/);
    return { op: 'temperature', amount: round2(dir * clamp(p ?? 0.15 * k, 0.01, 1)) };
  },
  kinds: {
    temperature: {
      traits: { changes: ['colour'] },
      describe: (op, zh) =>
        zh
          ? `将色温调${op.amount >= 0 ? '暖' : '冷'}（${pct(Math.abs(op.amount))}）。`
          : `Make the colours ${op.amount >= 0 ? 'warmer' : 'cooler'} (${pct(Math.abs(op.amount))}).`,
      pipe: (op, size) => tone.temperature(size, op.amount),
    },
  },
  catalogue: {
    title: 'Warmer / cooler',
    family: 'Tone and colour',
    en: ['make it warmer', 'cooler', 'much warmer', 'warm up the colours a bit, like golden hour', 'give it a cold, blue-ish feel'],
    zh: ['暖色调', '冷色调', '色温调暖一点', '调成冷色调，带点蓝色'],
    params:
      'Default 15 % (slightly 7.5 %, much 30 %): R ×(1 + 0.6a), G ×(1 + 0.1a), B ×(1 − 0.6a). A colour word that only says the direction ("cool blue", "warm golden") is part of it.',
    demo: { prompt: 'much warmer' },
  },
});
