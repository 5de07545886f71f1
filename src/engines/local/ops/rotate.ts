import * as geometry from '../steps/geometry.js';
import { defineOp } from './spec.js';

export default defineOp({
  id: 'rotate',
  name: 'rotate',
  concepts: ['rotate', 'turn', 'quarter turn', 'upside down', 'clockwise', '旋转', '顺时针', '逆时针', '倒过来'],
  trigger:
    /\b(?:rotate|rotated|rotation|spin|tilt|tilted)\b|\bturn(?:ed)?\b.*(?:°|\bdegrees?\b|\bclockwise\b|\bsideways\b|\bleft\b|\bright\b|\bquarter\b)|\bquarter[\s-]+turn\b|\bupside[\s-]*down\b|旋转|转\s*-?\d+\s*度|顺时针|逆时针|向左转|向右转|左转|右转|倒过来|颠倒过来/,
  parse(c) {
    const ccw = c.take(/\b(?:counter[\s-]*clockwise|anti[\s-]*clockwise|ccw|to\s+the\s+left|left|leftwards)\b|逆时针|向左|左/);
    const cw = c.take(/\b(?:clockwise|cw|to\s+the\s+right|right|rightwards)\b|顺时针|向右|右/);
    // "rotate left then right": both ways in one turn is not a rotation this can pick.
    if (ccw && cw) return undefined;
    const upside = c.take(/\bupside[\s-]*down\b|倒过来|颠倒过来|颠倒/);
    const k = c.intensity();
    // "rotate it slightly to the left": a small correction, not a quarter turn.
    let deg = c.degrees() ?? c.number() ?? (upside ? 180 : k < 1 ? 5 : 90);
    if (c.take(/\bhalf\s+(?:a\s+)?turn\b|半圈/)) deg = 180;
    if (c.take(/\b(?:a\s+)?quarter[\s-]+turn\b|四分之一圈/)) deg = 90;
    c.takeAll(/\b(?:rotate|rotated|rotation|spin|tilt|tilted|turn|turned|sideways|by|degrees?|deg)\b|旋转|转/);
    // "rotate -90" is counter-clockwise; "rotate -90 counter-clockwise" stays counter-clockwise.
    const negative = deg < 0;
    deg = Math.abs(deg) % 360;
    if (deg === 0) return undefined;
    return { op: 'rotate', degrees: ccw || negative ? -deg : deg };
  },
  kinds: {
    rotate: {
      traits: { changes: ['geometry'] },
      describe: (op, zh) =>
        zh
          ? `将图像${op.degrees >= 0 ? '顺时针' : '逆时针'}旋转${Math.abs(op.degrees)}°。`
          : `Rotate the image ${Math.abs(op.degrees)}° ${op.degrees >= 0 ? 'clockwise' : 'counter-clockwise'}.`,
      pipe: (op, size) => geometry.quarterTurns(size, op.degrees),
      run: (img, op, ctx) => geometry.rotate(img, op.degrees, ctx.hints),
    },
  },
  catalogue: {
    title: 'Rotate',
    family: 'Geometry',
    en: ['rotate 90 degrees', 'rotate ninety degrees counter-clockwise', 'rotate left', 'tilt it 10 degrees', 'rotate it a quarter turn to the left'],
    zh: ['旋转90度', '逆时针旋转45度', '顺时针旋转一百八十度', '向左旋转', '把图片倒过来'],
    params:
      'Clockwise by default, 90° when no angle is given ("upside down / 倒过来" 180°, "slightly / 稍微" 5°). Multiples of 90° are exact (pixels move, nothing resampled); other angles enlarge the canvas with black corners (transparent if the image has alpha; cropped to the largest inner rectangle when the negative prompt says "black borders").',
    demo: { prompt: 'rotate 15 degrees' },
  },
});
