import * as tone from '../steps/tone.js';
import { defineOp } from './spec.js';

export default defineOp({
  id: 'auto-enhance',
  name: 'auto-enhance',
  concepts: ['auto enhance', 'auto levels', 'auto colour', 'improve', 'fix the photo', 'optimise', '自动增强', '一键美化', '优化', '自动调色'],
  trigger:
    /\b(?:auto[\s-]*enhance|auto[\s-]*(?:levels?|colors?|contrast|tone|fix|correct|adjust)|enhance|enhanced|improve|improved|normalize|fix\s+(?:the\s+)?(?:colors?|exposure|lighting)|better|beautify|retouch|polish|levels)\b|美化|优化|自动增强|一键增强|增强|自动调整|自动修复|修图|润色|改善|画质|自动调色|一键调色|调色/,
  parse(c) {
    c.takeAll(
      /\b(?:auto[\s-]*enhance|auto[\s-]*adjust|auto|adjust|levels?|colors?|contrast|tone|fix|correct|enhance|enhanced|improve|improved|normalize|exposure|lighting|better|beautify|retouch|polish|quality|automatically)\b|美化|优化|自动增强|一键增强|增强|自动调整|自动修复|自动调色|一键调色|调色|自动|一键|修图|润色|改善|效果|质量|画质/,
    );
    return { op: 'autoEnhance' };
  },
  kinds: {
    autoEnhance: {
      traits: { changes: ['colour'], idempotent: true },
      describe: (_op, zh) => (zh ? '自动增强图像（拉伸色阶）。' : 'Auto-enhance the image (stretch the tonal range).'),
      pipe: (_op, size) => tone.autoEnhance(size),
    },
  },
  catalogue: {
    title: 'Auto-enhance',
    family: 'Tone and colour',
    en: ['auto enhance', 'enhance the photo', 'auto levels', 'improve the image', 'auto-adjust the levels'],
    zh: ['自动增强', '一键美化', '优化一下画面', '一键自动调色'],
    params: 'Stretches the 1st–99th percentile to the full range (libvips `normalise`), saturation +8 %.',
    demo: { prompt: 'auto enhance' },
  },
});
