import { models } from '../steps/helpers.js';
import * as ml from '../steps/ml.js';
import { BG, ZH_BG } from './words.js';
import { defineOp } from './spec.js';

export default defineOp({
  id: 'background-tone',
  name: 'black-and-white or darker background (colour splash)',
  concepts: ['colour splash', 'black and white background', 'darken background', 'keep colour only on the subject', '背景黑白', '背景变暗', '主体保留颜色'],
  trigger: new RegExp(
    `\\b${BG}\\b|${ZH_BG}|\\bcolor\\s*splash\\b|\\bselective\\s+color\\b(?!.*\\b(?:reds|greens|blues|yellows)\\b)|色彩点缀|\\bkeep\\b.*\\bcolou?r\\b.*\\b(?:only\\s+)?on\\b.*\\bsubject\\b|\\bthe\\s+rest\\b|其余.*(?:黑白|灰)|只保留主体.*颜色`,
  ),
  parse(c) {
    const splash = c.take(/\bcolor\s*splash\b|\bselective\s+color\b|色彩点缀/);
    const grey = splash ?? c.take(/black_and_white|\bgray(?:scale)?\b|\bmonochrome\b|\bdesaturate(?:d)?\b|黑白|灰色|灰度|去色|灰/);
    const dark = grey ? undefined : c.take(/\b(?:darken|darker|dim|dimmer)\b|变暗|压暗|调暗|暗一些|暗/);
    if (!grey && !dark) return undefined;
    c.takeAll(
      new RegExp(
        `\\b(?:make|turn|convert|set|keep|the|subject|main|person|in|colors?|only|but|while|and|its|original|rest|everything\\s+else|on|${BG})\\b|${ZH_BG}|变成|变为|变|转成|转为|主体|人物|保留|保持|颜色|原色|彩色|只|其余|其他`,
      ),
    );
    return { op: 'backgroundTone', effect: grey ? 'grayscale' : 'darken' };
  },
  kinds: {
    backgroundTone: {
      traits: { changes: ['background'], ml: true, idempotent: true },
      describe: (op, zh) =>
        op.effect === 'grayscale'
          ? zh
            ? '将背景变为黑白，主体保留原色。'
            : 'Turn the background black and white and keep the subject in colour.'
          : zh
            ? '压暗背景，主体保持不变。'
            : 'Darken the background and keep the subject as it is.',
      run: async (img, op, ctx) => ml.backgroundTone(img, await models(ctx, 'background colour splash'), ctx.signal, op.effect),
    },
  },
  catalogue: {
    title: 'Colour splash / darker background',
    family: 'With the built-in ML models',
    en: ['make the background black and white', 'colour splash', 'darken the background', 'keep the colour only on the main subject, make the rest grey'],
    zh: ['背景变黑白，主体保留颜色', '把背景压暗'],
    params: 'The subject keeps its colours over a grey (or 45 % darker) copy of the image, composed with the soft matte.',
    demo: { prompt: 'make the background black and white', inputs: 'figure', ml: true },
  },
});
