import { models } from '../steps/helpers.js';
import * as ml from '../steps/ml.js';
import { defineOp } from './spec.js';

export default defineOp({
  id: 'faces',
  name: 'blur/pixelate faces',
  concepts: ['blur faces', 'pixelate faces', 'anonymise faces', 'hide faces for privacy', '人脸打码', '脸部模糊', '人脸马赛克'],
  trigger: /\bfaces?\b|人脸|脸部|面部|脸/,
  parse(c) {
    const pix = c.take(/\b(?:pixelate|pixelated|pixelize|mosaic)\b|马赛克|打码|像素化/);
    const blur = pix ? undefined : c.take(/\b(?:blur|blurred|hide|anonymize|censor|obscure|mask|cover)\b|模糊|隐藏|遮挡|遮住|虚化|隐去/);
    if (!pix && !blur) return undefined;
    c.takeAll(/\b(?:faces?|all|every|everyone's|everybody's|people's|persons?|of|the)\b|所有|人脸|脸部|面部|脸|人的|打上|打/);
    return { op: 'faces', mode: pix ? 'pixelate' : 'blur' };
  },
  kinds: {
    faces: {
      traits: { changes: ['content'], ml: true, idempotent: true },
      describe: (op, zh) => (zh ? `对所有人脸进行${op.mode === 'blur' ? '模糊' : '马赛克'}处理。` : `${op.mode === 'blur' ? 'Blur' : 'Pixelate'} all faces.`),
      run: async (img, op, ctx) => ml.faces(img, await models(ctx, 'blur faces'), ctx.signal, op.mode),
    },
  },
  catalogue: {
    title: 'Blur or pixelate faces',
    family: 'With the built-in ML models',
    en: ['blur the faces', 'pixelate all faces', 'anonymize faces', "blur everyone's faces for privacy"],
    zh: ['人脸打码', '模糊人脸', '给人脸打上马赛克'],
    params: 'Detected face boxes grown by 15 %; blur σ = box/6, or 8 blocks across. (No picture: the repository ships no photo of a real face.)',
  },
});
