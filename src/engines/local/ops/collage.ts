import * as fusion from '../steps/fusion.js';
import { img } from './words.js';
import { defineOp } from './spec.js';

export default defineOp({
  id: 'collage',
  name: 'side by side / stack / collage',
  concepts: [
    'side by side',
    'stack vertically',
    'collage',
    'grid',
    'stitch',
    'combine images',
    'long image',
    '并排',
    '拼接',
    '拼图',
    '拼长图',
    '上下拼接',
    '宫格',
  ],
  trigger:
    /\bside\s+by\s+side\b|next\s+to\s+each\s+other|\bcollage\b|\bgrid\b|\bstitch|\bstack|one\s+above\s+the\s+other|\bon\s+top\s+of\b.*⟦i\d⟧|\b(?:combine|join|merge|concatenate|arrange)\b|并排|拼接|拼图|拼贴|拼在一起|拼成|拼|宫格|网格|排列|排在一起|组合|长图/,
  parse(c) {
    if (c.has(/\b(?:blend|mix)\b|融合|混合/)) return undefined;
    const vertical =
      c.takeAll(
        /\b(?:vertical|vertically|above|below|stack|stacked|top_and_bottom|one\s+above\s+the\s+other|on\s+top\s+of(?:\s+each\s+other)?|underneath)\b|上下|长图|在上|在下|竖向|纵向/,
      ).length > 0;
    const grid = !vertical && c.takeAll(/\b(?:grid|collage)\b|[二两三四六九]?宫格|网格|拼贴|田字/).length > 0;
    c.take(/\b\d\s*[x×]\s*\d\b/);
    const scatter = c.take(/\b(?:scatter|scattered|random|randomly|polaroid|messy|playful|tilted)\b|散落|随意|随机|凌乱|错落/);
    c.takeAll(
      /\b(?:side\s+by\s+side|next\s+to\s+each\s+other|horizontal|horizontally|in\s+a\s+row|row|collage|grid|stitch|stitched|stack|stacked|combine|combined|join|merge|concatenate|arrange|together|put|place|them|layout|all|of|two|three|into|one)\b|左右|并排|拼接|拼图|拼贴|拼在一起|拼成|拼|宫格|网格|排列|排在一起|组合|横向|一起|放在|一张|\d张|成/,
    );
    const images = c.images() ?? 'all';
    if (images !== 'all' && images.length < 2) return undefined;
    return {
      op: 'collage',
      layout: vertical ? 'vertical' : grid || (scatter && images === 'all') ? 'grid' : 'horizontal',
      images: images === 'all' ? [] : images,
      scatter: scatter !== undefined,
    };
  },
  kinds: {
    collage: {
      traits: { changes: ['content', 'geometry'], fusion: true, seeded: true },
      describe: (op, zh) => {
        const which = op.images.length === 0 ? (zh ? '所有输入图像' : 'all input images') : op.images.map((n) => img(n, zh)).join(zh ? '、' : ', ');
        if (zh)
          return `将${which}${op.layout === 'horizontal' ? '左右并排' : op.layout === 'vertical' ? '上下排列' : '按网格'}${op.scatter ? '拼成散落风格的拼贴' : '拼接'}。`;
        return `Combine ${which} ${op.layout === 'horizontal' ? 'side by side' : op.layout === 'vertical' ? 'one above the other' : 'in a grid'}${op.scatter ? ' as a scattered collage' : ''}.`;
      },
      run: async (_img, op, ctx) => {
        const refs = op.images.length > 0 ? op.images : Array.from({ length: ctx.imageCount }, (_, i) => i + 1);
        // Decoded side by side (each decode is its own libvips pipeline).
        const images = await Promise.all(refs.map((k) => ctx.image(k)));
        return fusion.collage(images, op.layout, op.scatter, ctx.seed);
      },
    },
  },
  catalogue: {
    title: 'Side by side / vertical stack (long image) / collage',
    family: 'Several images (2–3 inputs)',
    en: [
      'put the two images side by side',
      'stack images 1, 2 and 3 vertically',
      'stack image 1 on top of image 2',
      'make a grid collage of all images',
      'scattered collage',
    ],
    zh: ['将图1和图2左右拼接', '图1、图2上下拼接', '图1在上，图2在下，拼成长图', '拼长图', '把三张图拼成九宫格'],
    params:
      'Side by side at the smallest common height (nothing enlarged), stacked one above the other at a common width (a "long image", 拼长图), or a grid. "scattered/polaroid/散落": framed photos tilted and shifted by **seeded** amounts.',
    demo: { prompt: 'stack image 1 on top of image 2', inputs: 'two' },
  },
});
