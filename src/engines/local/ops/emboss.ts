import { rgbOnly } from '../steps/helpers.js';
import * as filters from '../steps/filters.js';
import { defineOp } from './spec.js';

export default defineOp({
  id: 'emboss',
  name: 'emboss',
  concepts: ['emboss', 'relief', 'carved', '浮雕'],
  trigger: /\bemboss(?:ed)?\b|\brelief\b|浮雕/,
  parse(c) {
    c.takeAll(/\b(?:emboss|embossed|relief|carved|stone)\b|浮雕|石刻/);
    return { op: 'emboss' };
  },
  kinds: {
    emboss: {
      traits: { changes: ['colour', 'content'], idempotent: true },
      describe: (_op, zh) => (zh ? '添加浮雕效果。' : 'Apply an emboss effect.'),
      run: (img) => rgbOnly(img, filters.emboss),
    },
  },
  catalogue: {
    title: 'Emboss',
    family: 'Filters',
    en: ['emboss', 'apply an emboss effect'],
    zh: ['浮雕效果', '做成浮雕效果'],
    params: '3×3 emboss kernel on the grey image.',
    demo: { prompt: 'emboss' },
  },
});
