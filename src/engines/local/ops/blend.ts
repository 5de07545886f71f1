import * as fusion from '../steps/fusion.js';
import { clamp, round2 } from './amounts.js';
import { pct } from './words.js';
import { defineOp } from './spec.js';

export default defineOp({
  id: 'blend',
  name: 'blend two images',
  concepts: ['blend', 'mix', 'double exposure', 'superimpose', 'semi-transparent overlay', '融合', '混合', '叠加', '双重曝光'],
  trigger: /\b(?:blend|blended|mix|mixed|double\s+exposure|superimpose|fuse|fusion|cross-?fade)\b|融合|混合|叠加|双重曝光/,
  parse(c) {
    c.take(/\bhalf_and_half\b|\b50\s*\/\s*50\b|半透明|一半一半/);
    const p = c.percent();
    c.takeAll(
      /\b(?:blend|blended|mix|mixed|double\s+exposure|superimpose|fuse|fusion|cross-?fade|opacity|transparency|over|into|together|with|semi-transparent|evenly)\b|融合|混合|叠加|双重曝光|不透明度|透明度|一起/,
    );
    const images = c.images();
    let source = 2;
    if (Array.isArray(images)) {
      const others = images.filter((n) => n !== 1);
      if (others.length > 1) return undefined;
      source = others[0] ?? 2;
    }
    return { op: 'blend', source, opacity: round2(clamp(p ?? 0.5, 0.05, 1)) };
  },
  kinds: {
    blend: {
      traits: { changes: ['content'], fusion: true },
      describe: (op, zh) =>
        zh ? `将图${op.source}以${pct(op.opacity)}的不透明度与图像融合。` : `Blend image ${op.source} over the image at ${pct(op.opacity)} opacity.`,
      run: async (img, op, ctx) => fusion.blend(img, await ctx.image(op.source), op.opacity),
    },
  },
  catalogue: {
    title: 'Blend',
    family: 'Several images (2–3 inputs)',
    en: ['blend image 1 and image 2', 'blend the second image at 30% opacity', 'double exposure with image 3', 'blend the two photos half and half'],
    zh: ['将图1和图2融合', '双重曝光', '两张图半透明叠加'],
    params: 'Opacity 50 % by default ("half and half", 半透明); the other image is resized to cover.',
    demo: { prompt: 'blend image 1 and image 2 at 40%', inputs: 'two' },
  },
});
