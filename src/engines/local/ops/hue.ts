import * as tone from '../steps/tone.js';
import { defineOp } from './spec.js';

export default defineOp({
  id: 'hue',
  name: 'hue shift',
  concepts: ['hue', 'shift colours', 'rotate hue', 'colour wheel', '色相', '色相偏移'],
  trigger: /\bhue\b|色相|色调偏移/,
  parse(c) {
    const d = c.degrees() ?? c.number();
    const neg = c.take(/\b(?:back|backwards|negative|counter[\s-]*clockwise|anti[\s-]*clockwise)\b|逆时针|负/);
    c.takeAll(/\b(?:hue|shift|shifted|rotate|rotated|rotation|change|by|degrees?)\b|色相|色调|偏移|旋转|改变/);
    const deg = (d ?? 60) * (neg ? -1 : 1);
    return { op: 'hue', degrees: ((((deg + 180) % 360) + 360) % 360) - 180 };
  },
  kinds: {
    hue: {
      traits: { changes: ['colour'] },
      describe: (op, zh) => (zh ? `将色相偏移${op.degrees}°。` : `Shift the hue by ${op.degrees}°.`),
      pipe: (op, size) => tone.hue(size, op.degrees),
    },
  },
  catalogue: {
    title: 'Hue shift',
    family: 'Tone and colour',
    en: ['shift the hue by 90 degrees', 'hue shift ninety degrees'],
    zh: ['色相偏移30度', '色相旋转九十度'],
    params: 'Degrees around the colour wheel (default 60°), normalised to −180…180.',
    demo: { prompt: 'hue shift 90 degrees' },
  },
});
