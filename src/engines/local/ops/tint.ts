import * as tone from '../steps/tone.js';
import { clamp, round2 } from './amounts.js';
import { colourName, pct } from './words.js';
import { defineOp } from './spec.js';

export default defineOp({
  id: 'tint',
  name: 'tint with a colour',
  concepts: ['tint', 'colour wash', 'colour filter', 'colour cast', 'tone', '色调', '滤镜', '染色'],
  trigger: /\b(?:tint|tinted|tinge|wash|cast|filter|overlay|hue|shade|toned|tone)\b|滤镜|色调|偏|染|着色|罩|调成|色彩|(?:turn|make|color)\b|变成|变|调/,
  parse(c) {
    const colour = c.colour();
    if (!colour) return undefined;
    const k = c.intensity();
    const p = c.percent();
    c.takeAll(
      /\b(?:tint|tinted|tinge|wash|cast|filter|overlay|hue|shade|toned|tone|turn|make|color|colored|layer|light)\b|滤镜|色调|偏|染成|染|着色|罩|调成|色彩|变成|变|调|一层|层|光/,
    );
    return { op: 'tint', colour, strength: round2(clamp(p ?? 0.35 * Math.sqrt(k), 0.05, 1)) };
  },
  kinds: {
    tint: {
      traits: { changes: ['colour'] },
      describe: (op, zh) =>
        zh
          ? `为图像添加强度${pct(op.strength)}的${colourName(op.colour, true)}色调。`
          : `Tint the image ${colourName(op.colour, false)} at ${pct(op.strength)} strength.`,
      pipe: (op, size) => tone.tint(size, op.colour, op.strength),
    },
  },
  catalogue: {
    title: 'Tint with a colour',
    family: 'Tone and colour',
    en: ['add a blue tint', 'apply a green filter', 'tint #ff8800 at 50%', 'give it a golden cast'],
    zh: ['加一层蓝色滤镜', '偏红色调', '染成粉色', '整体调成紫色'],
    params:
      'Colour names in English and Chinese (red/红, light blue/浅蓝/天蓝, navy/藏青, gold/金, …, 23 colours with aliases) or #rrggbb. Strength 35 % by default; the luminance is coloured and mixed in.',
    demo: { prompt: 'add a blue tint' },
  },
});
