import { BLACK, WHITE } from '../parser/colours.js';
import * as geometry from '../steps/geometry.js';
import { clamp, round2 } from './amounts.js';
import { colourName, pct } from './words.js';
import { defineOp } from './spec.js';

export default defineOp({
  id: 'border',
  name: 'border/frame',
  concepts: ['border', 'frame', 'picture frame', 'outline the photo', 'letterbox', 'bars', '边框', '相框', '画框', '白边'],
  trigger:
    /\b(?:border|borders|frame|framed|frames|matte|passe-partout|letterbox|letterboxing|pillarbox)\b|\bbars\b|边框|相框|画框|描边|加框|外框|白边|黑边|(?:一圈|加)[^，,。]*边/,
  parse(c) {
    const colour = c.colour();
    const px = c.pixels();
    const p = px === undefined ? c.percent() : undefined;
    let width = p ?? 0.03;
    if (px === undefined && p === undefined) {
      if (c.take(/\b(?:thin|thinner|narrow|fine|hairline|slim)\b|细细的|细|窄/)) width = 0.012;
      else if (c.take(/\b(?:thick|thicker|wide|wider|broad|heavy|bold)\b|粗|宽|厚/)) width = 0.07;
    }
    const sides = c.take(/\b(?:top_and_bottom|left_and_right|letterbox(?:ing)?|pillarbox(?:ing)?)\b|上下|左右/);
    c.takeAll(
      /\b(?:add|put|draw|give|border|borders|frame|framed|frames|matte|passe-partout|around|surround|wide|thick|wrap|with|solid|simple|bars?|letterbox|letterboxing|pillarbox)\b|边框|相框|画框|描边|加框|外框|四周|周围|一圈|加|边/,
    );
    if (sides) {
      // Bars on two sides only (letterbox / pillarbox): an extension of the canvas with a colour.
      const side = /left|左右|pillarbox/.test(sides[0]) ? 'horizontal' : 'vertical';
      return { op: 'extend', amount: p ?? (px === undefined ? 0.1 : undefined), ratio: undefined, side, fill: { kind: 'colour', colour: colour ?? BLACK } };
    }
    return { op: 'border', width: px ?? round2(clamp(width, 0.002, 0.3)), pixels: px !== undefined, colour: colour ?? WHITE };
  },
  kinds: {
    border: {
      traits: { changes: ['geometry'] },
      describe: (op, zh) =>
        zh
          ? `添加${op.pixels ? `${op.width}像素` : `短边${pct(op.width)}`}宽的${colourName(op.colour, true)}边框。`
          : `Add a ${colourName(op.colour, false)} border ${op.pixels ? `${op.width} pixels` : `${pct(op.width)} of the shorter side`} wide.`,
      pipe: (op, size) => geometry.border(size, op.width, op.pixels, op.colour),
    },
  },
  catalogue: {
    title: 'Border / frame',
    family: 'Geometry',
    en: ['add a border', 'add a 20px black border', 'add a thin red frame', 'frame it in gold, 5% wide', 'put a thin black frame around it'],
    zh: ['加白色边框', '加一个10像素的黑色边框', '添加粗的红色相框', '四周加一圈白边', '加个细细的黑色相框'],
    params: 'Width 3 % of the shorter side (thin 1.2 %, thick 7 %, or N px / N %); white unless a colour is named.',
    demo: { prompt: 'add a thick gold frame' },
  },
});
