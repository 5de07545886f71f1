import { models } from '../steps/helpers.js';
import * as ml from '../steps/ml.js';
import { BG, ZH_BG } from './words.js';
import { defineOp } from './spec.js';

export default defineOp({
  id: 'remove-background',
  name: 'remove background',
  concepts: ['remove background', 'transparent background', 'cut out', 'extract the subject', 'isolate', '抠图', '去背景', '透明背景', '透明底', '抠一下'],
  trigger: new RegExp(
    `\\b(?:remove|erase|delete|get\\s+rid\\s+of|drop|strip|clear)\\b.*\\b${BG}\\b|\\btransparent\\s+${BG}|${BG}\\b.*\\btransparent|\\bcut[\\s-]*out\\b|\\bisolate\\b|\\bextract\\s+(?:the\\s+)?(?:subject|person|object|product|foreground)\\b|抠图|抠出|抠一下|抠|去(?:除|掉)?${ZH_BG}|${ZH_BG}.*(?:去除|去掉|删除|删掉|透明|去)|透明${ZH_BG}|透明底`,
  ),
  parse(c) {
    c.takeAll(
      new RegExp(
        `\\b(?:remove|erase|delete|get\\s+rid\\s+of|drop|strip|clear|transparent|make|cut[\\s-]*out|isolate|extract|subject|person|object|product|foreground|main|${BG})\\b|抠图|抠出来|抠出|抠一下|抠|去除|去掉|删除|删掉|透明底|透明|${ZH_BG}|主体|人物|去`,
      ),
    );
    return { op: 'removeBackground' };
  },
  kinds: {
    removeBackground: {
      traits: { changes: ['background'], ml: true, idempotent: true },
      describe: (_op, zh) => (zh ? '去除背景（透明）。' : 'Remove the background (transparent).'),
      run: async (img, _op, ctx) => ml.removeBackground(img, await models(ctx, 'remove background'), ctx.signal),
    },
  },
  catalogue: {
    title: 'Remove the background',
    family: 'With the built-in ML models',
    en: ['remove the background', 'make the background transparent', 'cut out the subject', 'extract the subject'],
    zh: ['去除背景', '抠图', '背景透明', '帮我抠图，背景透明', '透明底'],
    params:
      'Foreground matte → alpha channel: the PNG keeps its transparency (also through later colour steps and the final resize). People are found by a person-segmentation model; in a photo without a person, the framed subject is separated from its surroundings by GrabCut (a soft edge, and a cast shadow may count as subject). Removing one object ("remove the man in the background") needs a generative model.',
    demo: { prompt: 'remove the background', inputs: 'figure', ml: true },
  },
});
