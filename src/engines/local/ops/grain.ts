import { rgbOnly } from '../steps/helpers.js';
import * as tone from '../steps/tone.js';
import { clamp, round2 } from './amounts.js';
import { pct } from './words.js';
import { defineOp } from './spec.js';

export default defineOp({
  id: 'grain',
  name: 'film grain',
  concepts: ['film grain', 'noise', 'grainy', 'texture', 'analog film', '胶片颗粒', '噪点', '颗粒感'],
  trigger: /\bgrain(?:y|s)?\b|\bnoise\b|\bnoisy\b|\bfilm\s+look\b|颗粒|噪点|噪声|胶片/,
  parse(c) {
    const k = c.intensity();
    const p = c.percent();
    c.takeAll(/\b(?:film|grain|grainy|grains|noise|noisy|analog|texture|for)\b|胶片感|胶片风格|胶片风|胶片|颗粒感|颗粒|噪点|噪声|质感|look/);
    return { op: 'grain', amount: round2(clamp(p ?? 0.3 * k, 0.02, 1)) };
  },
  kinds: {
    grain: {
      traits: { changes: ['colour'], seeded: true },
      describe: (op, zh) => (zh ? `添加胶片颗粒（强度${pct(op.amount)}）。` : `Add film grain (${pct(op.amount)} strength).`),
      run: (img, op, ctx) => rgbOnly(img, (i) => tone.grain(i, op.amount, ctx.seed)),
    },
  },
  catalogue: {
    title: 'Film grain (seeded)',
    family: 'Tone and colour',
    en: ['add film grain', 'make it grainy', 'add 50% grain', 'add some film grain for texture'],
    zh: ['加胶片颗粒', '添加噪点', '加一点胶片颗粒感'],
    params:
      'Monochrome noise, amount 30 % by default (slight 15 %, strong 60 %). **Seeded**: the pattern follows the request seed (output i uses seed + i); same seed → identical bytes.',
    demo: { prompt: 'add strong film grain' },
  },
});
