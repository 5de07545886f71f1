import { rgbOnly } from '../steps/helpers.js';
import * as tone from '../steps/tone.js';
import { clamp } from './amounts.js';
import { defineOp } from './spec.js';

export default defineOp({
  id: 'posterize',
  name: 'posterize',
  concepts: ['posterize', 'poster', 'flat colours', 'few colours', 'reduce colours', '色调分离', '海报效果'],
  trigger: /\bposteriz(?:e|ed|ation)\b|\bposter\b|\b(?:reduce|limit)\b.*\bcolors\b|\bflat\s+colors\b|\bfew\s+(?:flat\s+)?colors\b|色调分离|海报|色阶分离/,
  parse(c) {
    const few = c.take(/\b(?:just\s+)?(?:a\s+)?few\b/);
    const n = c.take(/(\d+)\s*(?:levels?|colors?|tones?|shades?|级|阶|色)/) ?? c.take(/(?<![\d⟦])(\d+)(?![\d⟧%])/);
    c.takeAll(/\b(?:posteriz(?:e|ed|ation)|poster|reduce|limit|colors?|levels?|flat|just|style)\b|色调分离|海报|色阶分离|色阶/);
    return { op: 'posterize', levels: clamp(n ? Number(n[1]) : few ? 3 : 4, 2, 16) };
  },
  kinds: {
    posterize: {
      traits: { changes: ['colour'] },
      describe: (op, zh) => (zh ? `色调分离为每通道${op.levels}级。` : `Posterize to ${op.levels} levels per channel.`),
      run: (img, op) => rgbOnly(img, (i) => tone.posterize(i, op.levels)),
    },
  },
  catalogue: {
    title: 'Posterize',
    family: 'Tone and colour',
    en: ['posterize', 'posterize to 6 levels', 'poster effect with three colors', 'reduce it to just a few flat colours'],
    zh: ['色调分离', '海报效果，五级'],
    params: 'Levels per channel, default 4 ("a few" 3; 2–16).',
    demo: { prompt: 'posterize' },
  },
});
