import * as fusion from '../steps/fusion.js';
import { clamp, round2 } from './amounts.js';
import { POSITION, pct } from './words.js';
import { defineOp } from './spec.js';

export default defineOp({
  id: 'overlay',
  name: 'place one image onto another',
  concepts: ['put image 2 on image 1', 'paste', 'overlay', 'inset', 'picture in picture', '把图2放到图1上', '贴到'],
  trigger: /⟦i\d⟧/,
  parse(c) {
    if (!c.has(/\b(?:put|place|paste|insert|overlay|add|stick|position|drop|superimpose|layer|inset)\b|放|贴|叠|加|置|插入/)) return undefined;
    const strict = c.take(/(?:\b(?:on|onto|over|into|in|to|at|atop)\s+(?:top\s+of\s+)?(?:the\s+)?|(?:放到|放在|贴到|贴在|加到|叠到|叠在|到|在))\s*⟦i(\d)⟧/);
    const position = c.position() ?? (c.take(/\bcorner\b|角落|角/) ? 'bottom-right' : 'center');
    // "…in the bottom-right corner of the first": the base image after the position words.
    const onto = strict ?? c.take(/\b(?:of|on|onto|in|into)\s+(?:the\s+)?(?:[\w-]+\s+){0,2}?(?:of\s+)?⟦i(\d)⟧|(?:第)?⟦i(\d)⟧\s*(?:张)?的/);
    const refs = c.images();
    if (!Array.isArray(refs) || refs.length !== 1) return undefined;
    const p = c.percent();
    const size = p ?? (c.take(/\b(?:small|smaller|tiny|little)\b|缩小|小/) ? 0.2 : c.take(/\b(?:large|big|bigger|huge)\b|大/) ? 0.5 : 0.3);
    c.takeAll(
      /\b(?:put|place|paste|insert|overlay|add|stick|position|drop|superimpose|layer|inset|size|wide|width|scaled|scale|at|of|on|onto|top|corner|logo|watermark|sticker|as|picture-in-picture)\b|水印|标志|贴纸|放到|放在|贴到|贴在|加到|叠到|叠在|放|贴|叠|加|置|插入|宽|大小|缩放|角落|角|上面|上|里|中/,
    );
    const ontoN = onto ? Number(onto[1] ?? onto[2]) : undefined;
    return { op: 'overlay', source: refs[0] as number, onto: ontoN === 1 ? undefined : ontoN, position, scale: round2(clamp(size, 0.05, 1)) };
  },
  kinds: {
    overlay: {
      traits: { changes: ['content'], fusion: true },
      describe: (op, zh) =>
        zh
          ? `将图${op.source}放在${op.onto !== undefined ? `图${op.onto}的` : ''}${POSITION[op.position][1]}，宽度为画面的${pct(op.scale)}。`
          : `Place image ${op.source} ${op.onto !== undefined ? `onto image ${op.onto} ` : ''}${POSITION[op.position][0]}, ${pct(op.scale)} of the width.`,
      run: async (img, op, ctx) => fusion.overlay(op.onto === undefined ? img : await ctx.image(op.onto), await ctx.image(op.source), op.position, op.scale),
    },
  },
  catalogue: {
    title: 'Place one image onto another',
    family: 'Several images (2–3 inputs)',
    en: [
      'put image 2 on image 1 in the top-right corner',
      'place the second image in the bottom left at 25%',
      'put image 1 onto image 2 in the corner',
      'place the second picture as a small inset in the bottom-right corner of the first',
    ],
    zh: ['把第二张图放到图1的右下角', '将图二贴在左上角', '把第二张图缩小放到第一张的左上角'],
    params:
      'Width 30 % of the base by default (small 20 %, large 50 %, or N %), 3 % margin; position as for text, default centre ("corner" = bottom-right). Image references: "image 2", "the second image", "图2", "第二张图", "图二".',
    demo: { prompt: 'put image 2 in the top-right corner at 35%', inputs: 'two' },
  },
});
