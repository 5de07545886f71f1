import { rgbOnly } from '../steps/helpers.js';
import * as filters from '../steps/filters.js';
import { round2 } from './amounts.js';
import { pct } from './words.js';
import { defineOp } from './spec.js';

export default defineOp({
  id: 'pixelate',
  name: 'pixelate/mosaic',
  concepts: ['pixelate', 'mosaic', 'pixel art', '8-bit', 'blocks', '马赛克', '像素化', '像素风'],
  trigger: /\bpixel(?:ate|ated|ize|ized|\s+art|lated)\b|\b8[\s-]*bit\b|\bmosaic\b|马赛克|像素化|像素风|打码/,
  parse(c) {
    let block = 1 / 40;
    if (c.take(/\b(?:large|big|bigger|huge|chunky|coarse)\b|大块|粗|大/)) block = 1 / 20;
    else if (c.take(/\b(?:small|tiny|fine)\b|小块|细|小/)) block = 1 / 80;
    c.takeAll(/\b(?:pixel(?:ate|ated|ize|ized|\s+art)|8[\s-]*bit|mosaic|style|blocks?|pixels?|everything)\b|马赛克|像素化|像素风|打码|块/);
    return { op: 'pixelate', block: round2(block * 1000) / 1000 };
  },
  kinds: {
    pixelate: {
      traits: { changes: ['content'] },
      describe: (op, zh) => (zh ? `将图像像素化（色块为短边的${pct(op.block)}）。` : `Pixelate the image (blocks of ${pct(op.block)} of the shorter side).`),
      run: (img, op) => rgbOnly(img, (i) => filters.pixelate(i, op.block)),
    },
  },
  catalogue: {
    title: 'Pixelate / mosaic',
    family: 'Filters',
    en: ['pixelate', 'pixelate with large blocks', 'mosaic effect', '8-bit style', 'pixelate everything'],
    zh: ['马赛克', '像素化', '把整张图做成马赛克'],
    params: 'Blocks of 1/40 of the shorter side (1/20 large, 1/80 small).',
    demo: { prompt: 'pixelate' },
  },
});
