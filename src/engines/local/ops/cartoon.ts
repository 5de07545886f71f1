import { rgbOnly } from '../steps/helpers.js';
import * as filters from '../steps/filters.js';
import { defineOp } from './spec.js';

export default defineOp({
  id: 'cartoon',
  name: 'cartoon',
  concepts: ['cartoon', 'comic book', 'toon', 'cel shading', 'flat colours with outlines', '卡通'],
  trigger: /\bcartoon(?:ish|ize|ified|y)?\b|\bcomic(?:s|[\s-]+book)?\b|\btoon\b|\bcel[\s-]*shad|卡通/,
  parse(c) {
    c.takeAll(/\b(?:cartoon(?:ish|ize|ified|y)?|comic(?:s|[\s-]+book)?|book|toon|cel[\s-]*shad(?:ed|ing)?|like|style|drawing|look)\b|卡通|画/);
    return { op: 'cartoon' };
  },
  kinds: {
    cartoon: {
      traits: { changes: ['colour', 'content'], idempotent: true },
      describe: (_op, zh) => (zh ? '将图像处理成卡通风格。' : 'Give the image a cartoon look.'),
      run: (img) => rgbOnly(img, filters.cartoon),
    },
  },
  catalogue: {
    title: 'Cartoon',
    family: 'Filters',
    en: ['cartoon', 'make it look like a cartoon', 'comic book style', 'give it a comic-book cartoon look'],
    zh: ['卡通风格', '卡通效果'],
    params:
      'Median-smoothed, saturated, posterized colours with dark outlines from an edge detector. A dark photo (mean luma below 90) is first brightened, all channels alike so hues stay, so the flat colours do not collapse to black. Anime, manga (动漫, 漫画), Ghibli and painting styles need a generative model and are refused.',
    demo: { prompt: 'cartoon', inputs: 'dark' },
  },
});
