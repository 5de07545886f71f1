import type { Side } from '../plan.js';
import type { Clause } from '../parser/clause.js';
import { WHITE } from '../parser/colours.js';
import * as geometry from '../steps/geometry.js';
import { clamp, round2 } from './amounts.js';
import { ratioOf } from './crop.js';
import { SIDE, colourName, pct } from './words.js';
import { defineOp } from './spec.js';

function sideOf(c: Clause): Side {
  if (c.take(/\b(?:left_and_right|both\s+sides|sideways|horizontally|horizontal|wider)\b|左右(?:两侧|两边)?|两侧|两边|横向|宽/)) return 'horizontal';
  if (c.take(/\b(?:top_and_bottom|vertically|vertical|taller)\b|上下(?:两侧|两边)?|纵向|高/)) return 'vertical';
  const pos = c.position();
  if (pos === 'left' || pos === 'right' || pos === 'top' || pos === 'bottom') return pos;
  c.take(/\b(?:all\s+sides|every\s+side|around|all\s+around|each\s+side)\b|四周|四边|周围/);
  return 'all';
}

export default defineOp({
  id: 'extend',
  name: 'extend canvas / outpaint',
  concepts: ['extend', 'expand the canvas', 'outpaint', 'zoom out', 'add space', 'pad', 'white space', 'letterbox', '扩图', '扩展画布', '外扩', '留白'],
  trigger:
    /\b(?:extend|extended|expand|expanded|outpaint|outpainting|out-paint|uncrop|widen|pad|padding|zoom\s+out)\b|\b(?:enlarge|grow|increase|widen|bigger)\b.*\bcanvas\b|\bcanvas\b.*\b(?:bigger|larger)\b|\badd\s+(?:some\s+|more\s+)?(?:white\s+|blank\s+|empty\s+)?(?:space|room|canvas)\b|扩展|扩图|扩充|外扩|延展|扩大画布|扩大|拓展|加宽|留白|拉远|缩小视角/,
  parse(c) {
    const blank = c.take(/留白|\bwhite\s+space\b/);
    const ratio = ratioOf(c);
    const zoomOut = c.take(/\bzoom\s+out\b|拉远|缩小视角/);
    const m = zoomOut ? c.multiplier() : undefined;
    const p = c.percent();
    const fillColour = c.colour() ?? (blank ? WHITE : undefined);
    const blurFill = c.take(/\b(?:blur|blurred|blurry)\b|模糊/);
    c.take(/\b(?:mirror|mirrored|reflect|reflected|edge|edges|edge-aware|content-aware|smart|natural|seamless)\b|镜像|边缘|智能|自然|无缝/);
    const side = sideOf(c);
    c.takeAll(
      /\b(?:extend|extended|expand|expanded|outpaint|outpainting|out-paint|uncrop|widen|pad|padding|canvas|add|more|space|room|fill|filled|with|color|aspect|ratio|format|until|so|fits?|around|background|enlarge|grow|increase|bigger|larger)\b|扩展|扩图|扩充|外扩|延展|扩大画布|扩大|拓展|加宽|留白|画布|填充|比例|空间|背景|用/,
    );
    let amount: number | undefined;
    if (!ratio) amount = m !== undefined ? round2(clamp((m - 1) / 2, 0.05, 1.5)) : round2(clamp(p ?? (blank ? 0.1 : 0.2), 0.01, 1.5));
    return {
      op: 'extend',
      amount,
      ratio,
      side: ratio ? 'all' : side,
      fill: fillColour ? { kind: 'colour', colour: fillColour } : blurFill ? { kind: 'blur' } : { kind: 'mirror' },
    };
  },
  kinds: {
    extend: {
      traits: { changes: ['geometry'] },
      describe: (op, zh) => {
        const how = op.ratio
          ? zh
            ? `扩展到${op.ratio[0]}:${op.ratio[1]}的比例`
            : `to a ${op.ratio[0]}:${op.ratio[1]} aspect ratio`
          : zh
            ? `在${SIDE[op.side][1]}扩展${pct(op.amount ?? 0.2)}`
            : `by ${pct(op.amount ?? 0.2)} ${SIDE[op.side][0]}`;
        if (zh) {
          const fill =
            op.fill.kind === 'colour' ? `用${colourName(op.fill.colour, true)}填充` : op.fill.kind === 'blur' ? '用模糊背景填充' : '用镜像柔化的边缘填充';
          return `将画布${how}，${fill}。`;
        }
        const fill =
          op.fill.kind === 'colour'
            ? `with ${colourName(op.fill.colour, false)}`
            : op.fill.kind === 'blur'
              ? 'with a blurred fill'
              : 'with a mirrored, softened fill';
        return `Extend the canvas ${how} ${fill}.`;
      },
      pipe: (op, size) => (op.fill.kind === 'colour' ? geometry.extendWithColour(size, op.amount, op.ratio, op.side, op.fill.colour) : undefined),
      run: (img, op) => geometry.extend(img, op.amount, op.ratio, op.side, op.fill),
    },
  },
  catalogue: {
    title: 'Extend the canvas (outpaint)',
    family: 'Geometry',
    en: [
      'extend the canvas by 20%',
      'outpaint to 16:9',
      'expand the image by 30% on the left and right',
      'extend the top by 25% with a blurred fill',
      'zoom out 2x',
      'extend to a square with white',
      'letterbox it',
      'add black bars top and bottom',
      'add some white space around the picture',
    ],
    zh: ['扩图到16:9', '画布向左右扩展30%', '四周扩展20%，用模糊背景填充', '上方留白', '上下加黑边'],
    params:
      'By a fraction per side (default 20 %; "white space / 留白" 10 % white), or to an aspect ratio. Fill: edge-aware by default (mirrored edges, softened with a blur so they continue the picture), "blurred" (a blurred enlargement of the image), or a colour. "letterbox", "black bars top and bottom", "上下加黑边" add 10 % bars (black unless a colour is named). New content in the extension ("extend it and add a beach") needs a generative model and is refused.',
    demo: { prompt: 'outpaint to 21:9' },
  },
});
