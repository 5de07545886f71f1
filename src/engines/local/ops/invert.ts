import * as tone from '../steps/tone.js';
import { defineOp } from './spec.js';

export default defineOp({
  id: 'invert',
  name: 'invert colours',
  concepts: ['invert', 'negative', 'film negative', 'reverse colours', '反色', '反相', '负片', '底片'],
  trigger:
    /\binvert(?:ed)?\b|\binverse\b|\bnegative\b|\b(?:flip|reverse)\s+(?:the\s+|all\s+)?colors?\b|反色|反相|负片|底片|颜色反转|反转颜色|色彩反转|颜色反过来|反转色彩/,
  parse(c) {
    c.takeAll(/\b(?:invert|inverted|inverse|negative|flip|reverse|colors?|photo|film)\b|反色|反相|负片|底片|颜色反转|反转颜色|色彩反转|反过来|反转|颜色|色彩/);
    return { op: 'invert' };
  },
  kinds: {
    invert: {
      traits: { changes: ['colour'], idempotent: true },
      describe: (_op, zh) => (zh ? '反转颜色（负片效果）。' : 'Invert the colours (negative).'),
      pipe: (_op, size) => tone.invert(size),
    },
  },
  catalogue: {
    title: 'Invert (negative)',
    family: 'Tone and colour',
    en: ['invert the colors', 'make a negative', 'invert all the colours so it looks like a film negative'],
    zh: ['反色', '负片效果', '颜色反转', '把颜色反过来'],
    params: 'Every channel becomes 255 − value (alpha kept).',
    demo: { prompt: 'invert' },
  },
});
