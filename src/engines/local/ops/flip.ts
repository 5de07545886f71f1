import * as geometry from '../steps/geometry.js';
import { defineOp } from './spec.js';

export default defineOp({
  id: 'flip',
  name: 'flip/mirror',
  concepts: ['flip', 'mirror', 'mirror image', 'reflect', '翻转', '镜像', '水平翻转', '垂直翻转'],
  trigger: /\b(?:flip|flipped|mirror|mirrored|flop|reflect|reflected)\b|翻转|镜像|倒置|上下反转|左右反转/,
  parse(c) {
    if (c.has(/\bcolors?\b|颜色|色彩/)) return undefined;
    const both = c.take(/\bhorizontally_and_vertically\b|\bboth\s+(?:ways|axes|directions)\b|上下左右/);
    const vertical = c.take(/\b(?:vertical|vertically|upside[\s-]*down|top_and_bottom|top\s+to\s+bottom)\b|上下|垂直|颠倒|倒置|倒过来/);
    c.takeAll(
      /\b(?:flip|flipped|mirror|mirrored|flop|reflect|reflected|horizontal|horizontally|left_and_right|left\s+to\s+right|sideways|image|of)\b|翻转|镜像|左右|水平|反转/,
    );
    if (both)
      return [
        { op: 'flip', axis: 'horizontal' },
        { op: 'flip', axis: 'vertical' },
      ];
    return { op: 'flip', axis: vertical ? 'vertical' : 'horizontal' };
  },
  kinds: {
    flip: {
      traits: { changes: ['geometry'] },
      describe: (op, zh) =>
        zh
          ? `将图像${op.axis === 'horizontal' ? '水平翻转（左右镜像）' : '垂直翻转（上下颠倒）'}。`
          : `Flip the image ${op.axis === 'horizontal' ? 'horizontally (mirror left and right)' : 'vertically (upside down)'}.`,
      pipe: (op, size) => geometry.flip(size, op.axis),
    },
  },
  catalogue: {
    title: 'Flip / mirror',
    family: 'Geometry',
    en: ['flip horizontally', 'mirror the image', 'flip it upside down', 'flip horizontally and vertically', 'make a mirror image of this'],
    zh: ['水平翻转', '左右镜像', '上下翻转', '垂直翻转图片', '上下镜像'],
    params: 'Horizontal unless "vertical/upside down/上下/垂直" is said.',
    demo: { prompt: 'mirror the image' },
  },
});
