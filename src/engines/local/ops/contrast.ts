import * as tone from '../steps/tone.js';
import { DOWN, UP, change } from './amounts.js';
import { delta } from './words.js';
import { defineOp } from './spec.js';

export default defineOp({
  id: 'contrast',
  name: 'contrast',
  concepts: ['contrast', 'punchy', 'flat', 'dynamic range', '对比度', '反差'],
  trigger: /\bcontrast(?:y)?\b|\bpunch(?:y|ier)\b|对比|反差/,
  parse(c) {
    const dir = c.direction(UP, DOWN) || (c.take(/\b(?:flat|flatter|softer)\b|柔和|平淡/) ? -1 : 1);
    c.takeAll(/\b(?:contrast|contrasty|punchy|punchier|high|low|flat|flatter|softer)\b|对比度|对比|反差/);
    return { op: 'contrast', factor: change(c, dir, 0.2) };
  },
  kinds: {
    contrast: {
      traits: { changes: ['colour'] },
      describe: (op, zh) =>
        zh
          ? `将对比度${op.factor >= 1 ? '提高' : '降低'}${delta(op.factor)}。`
          : `${op.factor >= 1 ? 'Increase' : 'Decrease'} the contrast by ${delta(op.factor)}.`,
      pipe: (op, size) => tone.contrast(size, op.factor),
    },
  },
  catalogue: {
    title: 'Contrast',
    family: 'Tone and colour',
    en: ['increase contrast', 'lower the contrast by 30%', 'boost the contrast so it pops'],
    zh: ['对比度提高20%', '降低对比度', '对比度再强一点'],
    params: 'Same amounts as brightness; out = f·(in − 128) + 128.',
    demo: { prompt: 'increase contrast by 50%' },
  },
});
