import * as filters from '../steps/filters.js';
import { defineOp } from './spec.js';

export default defineOp({
  id: 'denoise',
  name: 'denoise',
  concepts: ['denoise', 'reduce noise', 'noise reduction', 'clean up grain', '降噪', '去噪', '去除噪点'],
  trigger:
    /\bde-?noise\b|\bnoise\s+reduction\b|\b(?:reduce|remove|clean|less|fix|get\s+rid\s+of|eliminate)\b.*\b(?:noise|grain|noisy|grainy|speckles?)\b|降噪|去噪|去除噪点|减少噪点|消除噪点|去噪点|磨皮|去颗粒|(?:去掉|去除|消除|减少|减轻|去)[^,.;，。；]*?(?:噪点|噪声|颗粒)/,
  parse(c) {
    const k = c.intensity();
    c.takeAll(
      /\b(?:de-?noise|noise|reduction|reduce|remove|clean|cleanup|up|less|fix|get\s+rid\s+of|eliminate|grain|noisy|grainy|speckles?|salt_and_pepper|low-light|low\s+light|shot|dark)\b|降噪|去噪|去除|去掉|减少|减轻|消除|噪点|噪声|磨皮|颗粒|去|里/,
    );
    return { op: 'denoise', strength: k > 1 ? 2 : 1 };
  },
  kinds: {
    denoise: {
      traits: { changes: ['content'] },
      describe: (op, zh) => (zh ? `${op.strength > 1 ? '强力' : ''}降噪（中值滤波）。` : `Reduce noise${op.strength > 1 ? ' strongly' : ''} (median filter).`),
      pipe: (op, size) => filters.denoise(size, op.strength),
    },
  },
  catalogue: {
    title: 'Denoise',
    family: 'Filters',
    en: ['denoise', 'reduce the noise', 'remove noise strongly', 'clean up the noise in this low-light shot'],
    zh: ['降噪', '去除噪点', '去除照片里的噪点'],
    params: 'Median filter 3×3 (5×5 strong).',
    demo: { prompt: 'remove noise strongly' },
  },
});
