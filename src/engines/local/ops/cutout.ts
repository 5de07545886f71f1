import { models } from '../steps/helpers.js';
import * as ml from '../steps/ml.js';
import { defineOp } from './spec.js';

export default defineOp({
  id: 'cutout',
  name: 'put the subject of one image onto another',
  concepts: ['cut out subject', 'put person onto image', 'composite', 'move the person to another background', '抠图', '把人物放到', '合成'],
  trigger: /⟦i\d⟧.*⟦i\d⟧/,
  parse(c) {
    if (!c.has(/\b(?:subject|person|people|man|woman|object|foreground|cut[\s-]*out|cutout|figure|him|her|them)\b|主体|人物|人像|抠|前景|物体/))
      return undefined;
    const onto = c.take(
      /(?:\b(?:on|onto|into|to|over|as|against)\s+(?:the\s+)?(?:(?:background|scene|backdrop)\s+(?:of\s+)?(?:the\s+)?)?|(?:放到|放在|贴到|贴在|移到|合成到|到|在))\s*⟦i(\d)⟧/,
    );
    const rest = c.images();
    if (!onto || rest === undefined || rest === 'all' || rest.length !== 1) return undefined;
    c.takeAll(
      /\b(?:cut[\s-]*out|cutout|subject|main|person|people|man|woman|object|foreground|figure|him|her|them|put|place|paste|move|insert|take|it|from|of|and|background|scene|new)\b|主体|人物|人像|抠出来|抠出|抠图|抠|前景|物体|放到|放在|贴到|贴在|移到|合成到|合成|放|贴|背景|上面|上|里|中/,
    );
    return { op: 'cutout', subject: rest[0] as number, onto: Number(onto[1]) };
  },
  kinds: {
    cutout: {
      traits: { changes: ['background', 'content'], ml: true, fusion: true },
      describe: (op, zh) =>
        zh ? `抠出图${op.subject}的主体，放到图${op.onto}上。` : `Cut out the subject of image ${op.subject} and place it onto image ${op.onto}.`,
      run: async (_img, op, ctx) => ml.cutout(await ctx.image(op.subject), await ctx.image(op.onto), await models(ctx, 'cut out subject'), ctx.signal),
    },
  },
  catalogue: {
    title: 'Put the subject of one image onto another',
    family: 'With the built-in ML models',
    en: [
      'cut out the person in image 2 and put it on image 1',
      'put the subject of image 1 onto image 2',
      'take the person from the first photo and put them on the background of the second',
    ],
    zh: ['把图1的人物抠出来，放到图2上'],
    params: "The subject is scaled to fit 85 % of the target and stands at its bottom centre; the result has the target's size.",
    demo: { prompt: 'cut out the person in image 2 and put it on image 1', inputs: 'two', ml: true },
  },
});
