import { straighten } from '../steps/straighten.js';
import { defineOp } from './spec.js';

export default defineOp({
  id: 'straighten',
  name: 'straighten (level the horizon)',
  concepts: ['straighten', 'level the horizon', 'fix the tilt', 'crooked', 'deskew', '拉直', '校正水平', '摆正', '水平线'],
  trigger:
    /\bstraighten(?:ed)?\b|\blevel\s+(?:the\s+)?horizon\b|\b(?:fix|correct|remove)\s+(?:the\s+)?(?:tilt|tilted|crooked|slant|skew)\b|\bde-?skew\b|\bhorizon\b.*\b(?:straight|level)\b|\bcrooked\b|拉直|摆正|扶正|校正水平|水平线|地平线|歪/,
  parse(c) {
    const d = c.degrees();
    const ccw = c.take(/\b(?:counter[\s-]*clockwise|anti[\s-]*clockwise|ccw)\b|逆时针/);
    c.take(/\bclockwise\b|顺时针/);
    c.takeAll(
      /\b(?:straighten|straightened|level|horizon|horizontal|fix|correct|remove|tilt|tilted|crooked|slant|skew|de-?skew|straight|is|it's|by|auto|crop|cropped|and)\b|拉直|摆正|扶正|校正|水平线|地平线|水平|歪了|歪|自动|裁剪/,
    );
    return { op: 'straighten', degrees: d === undefined ? undefined : ccw ? -Math.abs(d) : d };
  },
  kinds: {
    straighten: {
      traits: { changes: ['geometry'] },
      describe: (op, zh) =>
        op.degrees === undefined
          ? zh
            ? '检测水平线并将图像拉直，裁掉旋转产生的空角。'
            : 'Straighten the image along its detected horizon and crop away the empty corners.'
          : zh
            ? `将图像${op.degrees >= 0 ? '顺时针' : '逆时针'}旋转${Math.abs(op.degrees)}°拉直，裁掉空角。`
            : `Straighten the image by rotating it ${Math.abs(op.degrees)}° ${op.degrees >= 0 ? 'clockwise' : 'counter-clockwise'} and crop away the empty corners.`,
      run: (img, op) => straighten(img, op.degrees),
    },
  },
  catalogue: {
    title: 'Straighten',
    family: 'Geometry',
    en: ['straighten the photo', 'level the horizon', 'straighten it by 3 degrees', 'fix the tilt'],
    zh: ['把照片拉直', '校正水平线', '摆正一下'],
    params:
      'Without an angle: the dominant near-horizontal line (within ±20°) is found from the image gradients (a histogram of edge directions weighted by strength) and the image is rotated to level it; below a 0.2° tilt nothing changes. With an angle, that rotation. Either way the result is cropped to the largest upright rectangle inside the rotated image, so no corners are filled.',
    demo: { prompt: 'straighten the horizon', inputs: 'tilted' },
  },
});
