import * as tone from '../steps/tone.js';
import { defineOp } from './spec.js';

export default defineOp({
  id: 'grayscale',
  name: 'grayscale',
  concepts: ['grayscale', 'black and white', 'monochrome', 'colourless', 'desaturate', 'no colour', '黑白', '灰度', '去色', '单色'],
  trigger:
    /gray\s*scale|black_and_white|\bmonochrome\b|\bmono\b|\bcolorless\b|\bno\s+colors?\b|\b(?:remove|drop|strip|take\s+out|get\s+rid\s+of)\s+(?:all\s+)?(?:the\s+)?colors?\b|\bdesaturate[sd]?\s+(?:it\s+|the\s+\w+\s+)?(?:completely|fully|entirely|totally)\b|\b(?:make|turn|convert)\b.*\bgray\b|黑白|灰度|去色|单色|灰色调|(?:去掉|去除|删除|去)(?:所有|全部)?(?:的)?颜色/,
  parse(c) {
    // "Remove the colour" is grayscale; "remove black and white" is its opposite: the removing
    // words are taken only together with the colour they remove.
    c.takeAll(/\b(?:remove|drop|strip|take\s+out|get\s+rid\s+of)\s+(?:all\s+)?(?:the\s+)?colors?\b|(?:去掉|去除|删除|去)(?:所有|全部)?(?:的)?颜色/);
    // "Make it less black and white", "ungrayscale" are not black and white.
    if (c.has(/\b(?:less|reduce|decrease|lower|lessen)\s+(?:the\s+)?(?:gray\s*scale\w*|black_and_white|monochrome|gray)\b|\bun\s*gray\s*scale/))
      return undefined;
    // 去 and 掉 alone are fillers to the leftover check, so a removal left over is refused here.
    if (c.has(/去掉|去除|删除|删掉|移除/)) return undefined;
    c.takeAll(
      /gray\s*scale(?:d)?|black_and_white|\b(?:monochrome|mono|colorless|no|colors?|gray|convert|turn|make|photo|classic|desaturated?|completely|fully|entirely|totally)\b|黑白灰|黑白|灰度|去色|单色|灰色调|照片|经典|颜色|只留|只保留|留/,
    );
    return { op: 'grayscale' };
  },
  kinds: {
    grayscale: {
      traits: { changes: ['colour'], idempotent: true },
      describe: (_op, zh) => (zh ? '将图像转换为黑白灰度图。' : 'Convert the image to grayscale.'),
      pipe: (_op, size) => tone.grayscale(size),
    },
  },
  catalogue: {
    title: 'Grayscale',
    family: 'Tone and colour',
    en: ['convert to grayscale', 'make it black and white', 'monochrome', 'remove all the colour', 'desaturate it completely'],
    zh: ['转成黑白', '灰度', '去色', '去掉所有颜色'],
    params: 'R = G = B = 0.299 R + 0.587 G + 0.114 B.',
    demo: { prompt: 'black and white' },
  },
});
