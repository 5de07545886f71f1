import { rgbOnly } from '../steps/helpers.js';
import * as filters from '../steps/filters.js';
import { defineOp } from './spec.js';

export default defineOp({
  id: 'sketch',
  name: 'pencil sketch',
  concepts: ['sketch', 'pencil drawing', 'charcoal', 'hand drawn', '素描', '铅笔画', '速写'],
  trigger: /\bsketch(?:ed|y)?\b|\bpencil\b|\b(?:pencil|charcoal|hand[\s-]*drawn)\s+drawing\b|\bdrawing\b|\bcharcoal\b|素描|铅笔|速写|手绘/,
  parse(c) {
    c.takeAll(/\b(?:sketch|sketched|sketchy|pencil|drawing|drawn|charcoal|hand-drawn|like|style)\b|素描画|素描|铅笔画|铅笔|速写|手绘|画/);
    return { op: 'sketch' };
  },
  kinds: {
    sketch: {
      traits: { changes: ['colour', 'content'], idempotent: true },
      describe: (_op, zh) => (zh ? '将图像转换为铅笔素描。' : 'Turn the image into a pencil sketch.'),
      run: (img) => rgbOnly(img, filters.sketch),
    },
  },
  catalogue: {
    title: 'Pencil sketch',
    family: 'Filters',
    en: ['pencil sketch', 'turn it into a sketch', 'make it look like a pencil drawing'],
    zh: ['素描', '转成铅笔画', '变成素描画'],
    params: 'Grey image colour-dodged by its blurred negative.',
    demo: { prompt: 'pencil sketch' },
  },
});
