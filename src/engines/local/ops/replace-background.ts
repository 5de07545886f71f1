import { WHITE, colourFromName } from '../parser/colours.js';
import { models } from '../steps/helpers.js';
import * as ml from '../steps/ml.js';
import { BG, ZH_BG, colourName } from './words.js';
import { defineOp } from './spec.js';

export default defineOp({
  id: 'replace-background',
  name: 'replace background',
  concepts: [
    'replace background',
    'change background colour',
    'white background',
    'plain background',
    'product shot',
    '换背景',
    '背景换成',
    '白底',
    '纯色背景',
  ],
  trigger: new RegExp(`\\b${BG}\\b|${ZH_BG}|白底|[红蓝绿黄黑灰]底(?!色)|(?:纯|浅|深)?[白红蓝绿黄黑灰]色?底`),
  parse(c) {
    // "白底商品图", "蓝底证件照": a plain background of that colour.
    const zhBase = c.take(/(?:纯|浅|深)?([白红蓝绿黄黑灰])色?底(?!色)/);
    const isolate = c.take(/\b(?:isolate|cut\s+out|extract)\b|抠出来|抠出|抠图/);
    if (
      !zhBase &&
      !isolate &&
      !c.has(/\b(?:replace|change|swap|switch|set|make|turn|put|use|paint|fill|new|on)\b|换|替换|更换|改|变|设|作为|当|做|弄|搞|调|涂/)
    )
      return undefined;
    c.takeAll(
      new RegExp(
        `\\b(?:replace|replaced|change|swap|switch|set|make|turn|put|use|paint|fill|new|with|to|into|as|solid|plain|on|for|the|product|subject|object|item|${BG})\\b|替换成|替换为|替换|更换为|更换成|更换|换成|换为|改成|改为|变成|变为|设为|设置为|作为|当作|当|做|换|改|变|弄成|搞成|调成|涂成|弄|纯|商品图|商品|产品图|产品|证件照|主体不变|主体|${ZH_BG}`,
      ),
    );
    const colour = c.colour();
    const images = c.images();
    const zhColour = zhBase
      ? ({ 白: 'white', 红: 'red', 蓝: 'blue', 绿: 'green', 黄: 'yellow', 黑: 'black', 灰: 'gray' } as const)[zhBase[1] as '白']
      : undefined;
    const named = colour ?? (zhColour ? colourFromName(zhColour) : undefined);
    if (named && images === undefined) return { op: 'replaceBackground', colour: named, source: undefined };
    if (!named && Array.isArray(images) && images.length === 1) return { op: 'replaceBackground', colour: undefined, source: images[0] };
    return undefined;
  },
  kinds: {
    replaceBackground: {
      traits: { changes: ['background'], ml: true, subsumes: ['removeBackground'] },
      describe: (op, zh) =>
        op.source !== undefined
          ? zh
            ? `将背景替换为图${op.source}。`
            : `Replace the background with image ${op.source}.`
          : zh
            ? `将背景替换为${colourName(op.colour ?? WHITE, true)}。`
            : `Replace the background with ${colourName(op.colour ?? WHITE, false)}.`,
      run: async (img, op, ctx) => {
        const source = op.source === undefined ? undefined : await ctx.image(op.source);
        return ml.replaceBackground(img, await models(ctx, 'replace background'), ctx.signal, op.colour, source);
      },
    },
  },
  catalogue: {
    title: 'Replace the background',
    family: 'With the built-in ML models',
    en: [
      'replace the background with blue',
      'change the background to white',
      'use image 2 as the background',
      'isolate the product on a plain white background',
      'swap the background for a solid light grey',
    ],
    zh: ['把背景换成红色', '背景替换为图2', '换成纯白背景，主体不变', '做一张白底商品图'],
    params: 'A colour ("白底" = white, "蓝底" = blue), or another input resized to cover; the subject is composed over it with the soft matte.',
    demo: { prompt: 'replace the background with light blue', inputs: 'figure', ml: true },
  },
});
