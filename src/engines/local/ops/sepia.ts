import * as tone from '../steps/tone.js';
import { pct } from './words.js';
import { defineOp } from './spec.js';

const VINTAGE =
  /\bvintage\b|\bretro\b|\bold[\s-]*(?:photo|photograph|fashioned|style|film|timey|school|picture)\b|\bantique\b|\baged\b|\bnostalgic\b|\bfaded\b|\blook\s+old\b|\b(?:19)?[2-9]0s\b|\b(?:eighties|seventies|sixties|fifties)\b|复古|怀旧|老照片|泛黄|做旧|年代感|旧照片|老旧/;

export default defineOp({
  id: 'sepia',
  name: 'sepia/vintage',
  concepts: ['sepia', 'vintage', 'retro', 'old photo', 'nostalgic', 'faded', 'brown tone', '复古', '怀旧', '老照片', '棕褐色', '泛黄'],
  trigger: new RegExp(`\\bsepia\\b|棕褐|${VINTAGE.source}`),
  parse(c) {
    const plain = c.take(/\bsepia\b|棕褐色?/);
    const k = c.intensity();
    c.takeAll(
      /\b(?:sepia|vintage|retro|old[\s-]*(?:photo|photograph|fashioned|style|film|timey|school|picture)|old|antique|aged|nostalgic|faded|tone|toned|tint|look|feel|like|(?:19)?[2-9]0s|eighties|seventies|sixties|fifties|from|era|decade|in)\b|复古|怀旧|老照片|旧照片|棕褐色?|泛黄|做旧|年代感|老旧|色调|感觉|质感|那种/,
    );
    if (plain) return { op: 'sepia', strength: k < 1 ? 0.5 : 1 };
    return [
      { op: 'sepia', strength: k < 1 ? 0.4 : 0.7 },
      { op: 'vignette', strength: 0.3 },
    ];
  },
  kinds: {
    sepia: {
      traits: { changes: ['colour'] },
      describe: (op, zh) =>
        zh
          ? op.strength >= 1
            ? '添加复古棕褐色调。'
            : `添加强度${pct(op.strength)}的复古棕褐色调。`
          : op.strength >= 1
            ? 'Apply a sepia tone.'
            : `Apply a sepia tone at ${pct(op.strength)} strength.`,
      pipe: (op, size) => tone.sepia(size, op.strength),
    },
  },
  catalogue: {
    title: 'Sepia / vintage',
    family: 'Tone and colour',
    en: ['sepia', 'make it look vintage', 'retro style', 'old photo look', 'make it look like a faded photo from the 1970s'],
    zh: ['棕褐色调', '复古风格', '老照片的感觉', '泛黄老照片'],
    params:
      '"sepia": the classic sepia matrix at full strength ("slight" 50 %). "vintage/retro/faded/1970s/复古/老照片/泛黄": sepia at 70 % (40 % when slight) plus a 30 % vignette (two operations in the plan).',
    demo: { prompt: 'vintage' },
  },
});
