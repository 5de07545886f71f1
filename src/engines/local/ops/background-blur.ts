import { models } from '../steps/helpers.js';
import * as ml from '../steps/ml.js';
import { BG, ZH_BG } from './words.js';
import { defineOp } from './spec.js';

export default defineOp({
  id: 'background-blur',
  name: 'blur background (portrait mode)',
  concepts: ['blur background', 'portrait mode', 'bokeh', 'depth of field', 'background out of focus', '背景虚化', '人像模式', '景深', '大光圈'],
  trigger: new RegExp(
    `\\b(?:blur|blurred|blurry|soften|defocus|defocused)\\b.*\\b${BG}\\b|\\b${BG}\\b.*\\b(?:blur|blurred|blurry|out\\s+of\\s+focus)\\b|portrait\\s+mode|(?<!vintage\\s)portrait\\s+effect|bokeh|shallow\\s+depth|${ZH_BG}.*(?:虚化|模糊)|(?:虚化|模糊).*${ZH_BG}|人像模式|景深|大光圈`,
  ),
  parse(c) {
    const k = c.intensity();
    c.takeAll(
      new RegExp(
        `\\b(?:blur|blurred|blurry|soften|defocus|defocused|out\\s+of\\s+focus|portrait\\s+mode|portrait\\s+effect|bokeh|shallow\\s+depth(?:\\s+of\\s+field)?|keep|subject|sharp|in\\s+focus|but|while|${BG})\\b|stand\\s+out|stands\\s+out|pop|make|person|people|${ZH_BG}|虚化|模糊|人像模式|景深|大光圈|主体|人物|人像|突出|清晰|保持|保留`,
      ),
    );
    return { op: 'backgroundBlur', strength: k };
  },
  kinds: {
    backgroundBlur: {
      traits: { changes: ['background'], ml: true, idempotent: true },
      describe: (_op, zh) => (zh ? '虚化背景，保持主体清晰（人像模式）。' : 'Blur the background and keep the subject sharp (portrait mode).'),
      run: async (img, op, ctx) => ml.backgroundBlur(img, await models(ctx, 'blur background'), ctx.signal, op.strength),
    },
  },
  catalogue: {
    title: 'Blur the background (portrait mode)',
    family: 'With the built-in ML models',
    en: ['blur the background', 'portrait mode', 'bokeh', 'blur the background but keep the person sharp'],
    zh: ['背景虚化', '人像模式', '背景虚化，人物保持清晰'],
    params: 'σ = 1.5 % of the shorter side behind the matte.',
    demo: { prompt: 'portrait mode', inputs: 'figure', ml: true },
  },
});
