import { rgbOnly } from '../steps/helpers.js';
import * as tone from '../steps/tone.js';
import { clamp, round2 } from './amounts.js';
import { pct } from './words.js';
import { defineOp } from './spec.js';

export default defineOp({
  id: 'vignette',
  name: 'vignette',
  concepts: ['vignette', 'dark corners', 'darken edges', '暗角', '晕影', '四角压暗'],
  trigger: /\bvignett(?:e|ing)\b|\bdark(?:en|er)?\s+(?:the\s+)?(?:corners|edges)\b|暗角|晕影|四角压暗|压暗四角|(?:四个?|边)角压暗/,
  parse(c) {
    const k = c.intensity();
    const p = c.percent();
    c.takeAll(/\b(?:vignett(?:e|ing)|dark|darken|darker|corners|edges|around)\b|暗角|晕影|四角压暗|压暗四角|四个角|四角|角|压暗|边缘|四周/);
    return { op: 'vignette', strength: round2(clamp(p ?? 0.45 * k, 0.05, 1)) };
  },
  kinds: {
    vignette: {
      traits: { changes: ['colour'] },
      describe: (op, zh) => (zh ? `添加暗角（四角压暗${pct(op.strength)}）。` : `Add a vignette (corners darkened by ${pct(op.strength)}).`),
      run: (img, op) => rgbOnly(img, (i) => tone.vignette(i, op.strength)),
    },
  },
  catalogue: {
    title: 'Vignette',
    family: 'Tone and colour',
    en: ['add a vignette', 'darken the corners', 'strong vignette', 'add a dark vignette around the edges'],
    zh: ['加暗角', '添加轻微的暗角', '四个角压暗'],
    params: 'Corners darkened by 45 % by default (slight/soft 22 %, strong 90 %), smooth radial falloff.',
    demo: { prompt: 'strong vignette' },
  },
});
