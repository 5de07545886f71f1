/** Rules for text and geometry operations (see rules.ts for the shape of a rule). */
import type { Side } from '../plan.js';
import type { Clause } from './clause.js';
import { BLACK, WHITE, clamp, round2, rule, type Rule } from './rules.js';

// Text ---------------------------------------------------------------------------------------

const text = rule(
  'text',
  'add text',
  'add text, caption, title, write, 添加文字, 加字, 写上, 标题, 配文',
  /⟦q\d+⟧|\b(?:text|caption|title|label|slogan|headline|subtitle|words?)\s*:|(?:文字|标题|字幕|文案|配文)\s*:/,
  (c) => {
    let body = c.quoted();
    if (body === undefined) {
      const m = c.take(/(?:\b(?:text|caption|title|label|slogan|headline|subtitle|words?)|文字|标题|字幕|文案|配文)\s*:\s*(.+)$/);
      body = m?.[1]?.trim();
    }
    if (body === undefined || body.trim().length === 0) return undefined;
    const colour = c.colour() ?? WHITE;
    const position = c.position() ?? 'bottom';
    let size = 0.08;
    if (c.take(/\b(?:huge|giant|enormous|very\s+large|very\s+big)\b|巨大|超大|特大/)) size = 0.16;
    else if (c.take(/\b(?:large|big|bigger|larger|bold)\b|大号|大字|大/)) size = 0.12;
    else if (c.take(/\b(?:small|smaller|tiny|little)\b|小号|小字|小/)) size = 0.05;
    const px = c.take(/\b(?:size|font\s+size)\s*(\d+)\b|字号\s*(\d+)/);
    if (px) size = clamp(Number(px[1] ?? px[2]) / 1000, 0.02, 0.3);
    c.takeAll(/\b(?:add|put|write|place|insert|overlay|caption|captioned|title|label|type|print|stamp|text|saying|says|that\s+says|reading|reads|words?|letters|font|color|colour|colored|coloured|in|with|size|sized|slogan|headline|subtitle|corner|across|along)\b|添加|加上|写上|写下|写|题字|配文|文案|标题|水印|文字|字样|字体|颜色|的字|字|角|大小/);
    return { op: 'text', text: body.slice(0, 200), position, colour, size };
  },
);

// Geometry -----------------------------------------------------------------------------------

const trim = rule(
  'trim',
  'trim margins',
  'trim margins, remove white border, auto crop, 去白边, 裁掉空白',
  /\btrim\b|\bauto[\s-]*crop\b|\b(?:remove|cut|crop|strip|delete)\b.*\b(?:margins?|borders?|whitespace|white\s+space|blank|empty\s+space|padding|letterbox(?:ing)?|black\s+bars?)\b|去(?:除|掉)?(?:白边|黑边|空白|边框|边缘空白)|裁(?:掉|去)?(?:空白|白边|黑边)|切(?:掉|除)?(?:白边|黑边)/,
  (c) => {
    c.takeAll(/\b(?:trim|trimmed|auto[\s-]*crop|remove|cut|crop|strip|delete|off|margins?|borders?|whitespace|white\s+space|blank|empty\s+space|empty|padding|letterbox(?:ing)?|black\s+bars?|white|black|plain|around|surrounding)\b|去除|去掉|去|裁掉|裁去|裁|切掉|切除|切|白边|黑边|空白|边框|边缘|四周/);
    c.colour();
    return { op: 'trim' };
  },
);

const border = rule(
  'border',
  'border/frame',
  'border, frame, 边框, 相框, 画框, 描边',
  /\b(?:border|borders|frame|framed|frames|matte|passe-partout|letterbox|letterboxing|pillarbox)\b|\bbars\b|边框|相框|画框|描边|加框|外框|边/,
  (c) => {
    const colour = c.colour();
    const px = c.pixels();
    const p = px === undefined ? c.percent() : undefined;
    let width = p ?? 0.03;
    if (px === undefined && p === undefined) {
      if (c.take(/\b(?:thin|thinner|narrow|fine|hairline)\b|细|窄/)) width = 0.012;
      else if (c.take(/\b(?:thick|thicker|wide|wider|broad|heavy|bold)\b|粗|宽|厚/)) width = 0.07;
    }
    const sides = c.take(/\b(?:top_and_bottom|left_and_right|letterbox(?:ing)?|pillarbox(?:ing)?)\b|上下|左右/);
    c.takeAll(/\b(?:add|put|draw|give|border|borders|frame|framed|frames|matte|passe-partout|around|surround|wide|thick|wrap|with|solid|simple|bars?|letterbox|letterboxing|pillarbox)\b|边框|相框|画框|描边|加框|外框|四周|周围|加|边/);
    if (sides) {
      // Bars on two sides only (letterbox / pillarbox): an extension of the canvas with a colour.
      const side = /left|左右|pillarbox/.test(sides[0]) ? 'horizontal' : 'vertical';
      return { op: 'extend', amount: p ?? (px === undefined ? 0.1 : undefined), ratio: undefined, side, fill: { kind: 'colour', colour: colour ?? BLACK } };
    }
    return {
      op: 'border',
      width: px ?? round2(clamp(width, 0.002, 0.3)),
      pixels: px !== undefined,
      colour: colour ?? (c.has(/\bblack\b/) ? BLACK : WHITE),
    };
  },
);

function sideOf(c: Clause): Side {
  if (c.take(/\b(?:left_and_right|both\s+sides|sideways|horizontally|horizontal|wider)\b|左右(?:两侧|两边)?|两侧|两边|横向|宽/)) return 'horizontal';
  if (c.take(/\b(?:top_and_bottom|vertically|vertical|taller)\b|上下(?:两侧|两边)?|纵向|高/)) return 'vertical';
  const pos = c.position();
  if (pos === 'left' || pos === 'right' || pos === 'top' || pos === 'bottom') return pos;
  c.take(/\b(?:all\s+sides|every\s+side|around|all\s+around|each\s+side)\b|四周|四边|周围/);
  return 'all';
}

function ratioOf(c: Clause): [number, number] | undefined {
  const m = c.take(/(\d+(?:\.\d+)?)\s*(?::|比|by|\/)\s*(\d+(?:\.\d+)?)(?!\s*(?:px|pixels?|像素))/);
  if (m) {
    const w = Number(m[1]);
    const h = Number(m[2]);
    if (w > 0 && h > 0 && w / h <= 4 && h / w <= 4) return [w, h];
    return undefined;
  }
  if (c.take(/\bsquare\b|正方形|方形|方图/)) return [1, 1];
  if (c.take(/\b(?:widescreen|wide\s*screen|landscape)\b|宽屏|横屏|横版/)) return [16, 9];
  if (c.take(/\b(?:portrait|vertical|story|stories)\b|竖屏|竖版/)) return [9, 16];
  return undefined;
}

const extend = rule(
  'extend',
  'extend canvas / outpaint',
  'extend, expand, outpaint, zoom out, add space, pad, 扩图, 扩展画布, 外扩, 留白',
  /\b(?:extend|extended|expand|expanded|outpaint|outpainting|out-paint|uncrop|widen|pad|padding|zoom\s+out)\b|\badd\s+(?:more\s+)?(?:space|room|canvas)\b|扩展|扩图|扩充|外扩|延展|扩大画布|扩大|拓展|加宽|留白|拉远|缩小视角/,
  (c) => {
    const blank = c.take(/留白/);
    const ratio = ratioOf(c);
    const zoomOut = c.take(/\bzoom\s+out\b|拉远|缩小视角/);
    const m = zoomOut ? c.multiplier() : undefined;
    const p = c.percent();
    const fillColour = c.colour() ?? (blank ? WHITE : undefined);
    const blurFill = c.take(/\b(?:blur|blurred|blurry)\b|模糊/);
    c.take(/\b(?:mirror|mirrored|reflect|reflected|edge|edges|edge-aware|content-aware|smart|natural|seamless)\b|镜像|边缘|智能|自然|无缝/);
    const side = sideOf(c);
    c.takeAll(/\b(?:extend|extended|expand|expanded|outpaint|outpainting|out-paint|uncrop|widen|pad|padding|canvas|add|more|space|room|fill|filled|with|color|colour|scene|background|aspect|ratio|format|until|so|fits?)\b|扩展|扩图|扩充|外扩|延展|扩大画布|扩大|拓展|加宽|留白|画布|填充|比例|背景|空间/);
    let amount: number | undefined;
    if (!ratio) amount = m !== undefined ? round2(clamp((m - 1) / 2, 0.05, 1.5)) : round2(clamp(p ?? 0.2, 0.01, 1.5));
    return {
      op: 'extend',
      amount,
      ratio,
      side: ratio ? 'all' : side,
      fill: fillColour ? { kind: 'colour', colour: fillColour } : blurFill ? { kind: 'blur' } : { kind: 'mirror' },
    };
  },
);

const CROP = /\b(?:crop|cropped|cropping|cut)\b|\b(?:make|turn)\b[^,.;]*?(?:\bsquare\b|\d+\s*:\s*\d+)|裁剪|裁切|剪裁|截取|裁成|裁掉|裁|切掉|切成|剪|(?:变成|改成|做成)(?:正方形|方形|\d+\s*:\s*\d+)/;

const crop = rule('crop', 'crop', 'crop square, crop 16:9, crop centre, crop left half, 裁剪, 裁成正方形, 裁切', CROP, (c) => {
  c.takeAll(/\b(?:crop|cropped|cropping|cut|keep|only|the|to|into|an?|of|aspect|ratio|format|around|portrait|landscape|make|turn)\b|变成|改成|做成|裁剪|裁切|剪裁|截取|裁成|裁掉|裁|切掉|切成|剪|保留|只|比例|为|成/);
  const region = c.take(/\b(left|right|top|bottom|upper|lower)\s+half\b|(左|右|上|下)半(?:部分|边|部|张)?/);
  if (region) {
    const key = (region[1] ?? region[2]) as string;
    const map: Record<string, 'left-half' | 'right-half' | 'top-half' | 'bottom-half'> = {
      left: 'left-half', 左: 'left-half', right: 'right-half', 右: 'right-half',
      top: 'top-half', upper: 'top-half', 上: 'top-half', bottom: 'bottom-half', lower: 'bottom-half', 下: 'bottom-half',
    };
    return { op: 'cropRegion', region: map[key] ?? 'left-half' };
  }
  const ratio = ratioOf(c);
  c.take(/\b(?:cent(?:er|re)d?|middle|central)\b|居中|中间|中央|中心/);
  if (ratio) return { op: 'cropAspect', ratio };
  const p = c.percent();
  const edges = c.take(/\b(?:from\s+)?(?:each|every|all)\s+(?:sides?|edges?)|(?:off|from)\s+the\s+(?:edges|sides|borders)|\bedges\b|四周|边缘|每边|各边/);
  if (p !== undefined) return { op: 'cropCenter', fraction: round2(clamp(edges ? 1 - 2 * p : p, 0.05, 1)) };
  return { op: 'cropCenter', fraction: 0.8 };
});

const zoomIn = rule('zoomIn', 'zoom in (centre crop)', 'zoom in, close-up, 放大局部, 拉近, 特写', /\bzoom(?:ed)?\s+in\b|\bclose[\s-]*up\b|拉近|特写|放大局部|局部放大/, (c) => {
  c.takeAll(/\bzoom(?:ed)?\s+in\b|\bclose[\s-]*up\b|\b(?:on|the|center|centre|middle)\b|拉近|特写|放大局部|局部放大|中间|中心/);
  const m = c.multiplier();
  return { op: 'cropCenter', fraction: round2(clamp(1 / (m ?? 2), 0.05, 1)) };
});

const resize = rule(
  'resize',
  'resize/scale',
  'resize, scale, shrink, enlarge, make bigger, 缩放, 缩小, 放大, 调整尺寸',
  /\b(?:resize|resized|scale|scaled|rescale|shrink|enlarge|downsize|downscale|upsize|bigger|smaller|larger|size)\b|\bas\s+(?:big|large)\b|缩放|缩小|放大|尺寸|大小|变大|变小|宽度|高度/,
  (c) => {
    const dims = c.take(/(\d{2,5})\s*(?:x|×|\*|by)\s*(\d{2,5})/);
    if (dims) {
      c.takeAll(/\b(?:resize|resized|scale|scaled|rescale|to|pixels?|px|size)\b|缩放|尺寸|大小|调整|像素/);
      return { op: 'resizeTo', width: Number(dims[1]), height: Number(dims[2]) };
    }
    const w = c.take(/(\d{2,5})\s*(?:px\s*|pixels?\s*)?(?:wide|width)\b|\bwidth\s*(?:of\s*|to\s*|=\s*)?(\d{2,5})|宽(?:度)?[^\d]{0,4}?(\d{2,5})|(\d{2,5})\s*(?:像素|px)?\s*宽/);
    const h = c.take(/(\d{2,5})\s*(?:px\s*|pixels?\s*)?(?:tall|high|height)\b|\bheight\s*(?:of\s*|to\s*|=\s*)?(\d{2,5})|高(?:度)?[^\d]{0,4}?(\d{2,5})/);
    if (w || h) {
      c.takeAll(/\b(?:resize|resized|scale|scaled|rescale|shrink|enlarge|downscale|downsize|to|pixels?|px|size|keep|keeping|aspect|ratio|proportions?)\b|缩放|缩小|放大|尺寸|大小|调整|像素|保持比例|等比/);
      const num = (m: RegExpExecArray | undefined): number | undefined => (m ? Number(m[1] ?? m[2] ?? m[3] ?? m[4]) : undefined);
      return { op: 'resizeTo', width: num(w), height: num(h) };
    }
    const smaller = c.take(/\b(?:shrink|smaller|downsize|downscale|reduce|decrease)\b|缩小|变小|减小/);
    const bigger = smaller ? undefined : c.take(/\b(?:enlarge|bigger|larger|upsize|increase|grow)\b|放大|变大|增大/);
    const to = c.take(/\bto\b|到|至|为/);
    const by = c.take(/\bby\b/);
    const p = c.percent();
    const m = p === undefined ? c.multiplier() : undefined;
    c.takeAll(/\b(?:resize|resized|scale|scaled|rescale|size|make|the|its|original|times|as|big|large)\b|缩放|尺寸|原来的|原图|大小|调整/);
    let scale: number;
    if (p !== undefined) scale = smaller && !to ? 1 - p : bigger && (by || !to) ? 1 + p : p;
    else if (m !== undefined) scale = smaller && m > 1 ? 1 / m : m;
    else scale = smaller ? 0.5 : bigger ? 1.5 : NaN;
    if (!Number.isFinite(scale) || scale <= 0) return undefined;
    return { op: 'resize', scale: round2(clamp(scale, 0.05, 8)) };
  },
);

const rotate = rule(
  'rotate',
  'rotate',
  'rotate, turn 90 degrees, 旋转, 顺时针, 逆时针',
  /\b(?:rotate|rotated|rotation|spin|tilt|tilted)\b|\bturn(?:ed)?\b.*(?:°|\bdegrees?\b|\bclockwise\b|\bsideways\b|\bleft\b|\bright\b)|旋转|转\s*-?\d+\s*度|顺时针|逆时针|向左转|向右转|左转|右转|转正/,
  (c) => {
    const ccw = c.take(/\b(?:counter[\s-]*clockwise|anti[\s-]*clockwise|ccw|to\s+the\s+left|left|leftwards)\b|逆时针|向左|左/);
    if (!ccw) c.take(/\b(?:clockwise|cw|to\s+the\s+right|right|rightwards)\b|顺时针|向右|右/);
    const upside = c.take(/\bupside[\s-]*down\b|倒过来|颠倒/);
    let deg = c.degrees() ?? c.number() ?? (upside ? 180 : 90);
    if (c.take(/\bhalf\s+(?:a\s+)?turn\b|半圈/)) deg = 180;
    c.takeAll(/\b(?:rotate|rotated|rotation|spin|tilt|tilted|turn|turned|sideways|by|degrees?|deg)\b|旋转|转/);
    // "rotate -90" is counter-clockwise; "rotate -90 counter-clockwise" stays counter-clockwise.
    const negative = deg < 0;
    deg = Math.abs(deg);
    deg = deg % 360;
    if (deg === 0) return undefined;
    return { op: 'rotate', degrees: ccw || negative ? -deg : deg };
  },
);

const flip = rule(
  'flip',
  'flip/mirror',
  'flip, mirror, upside down, 翻转, 镜像, 水平翻转, 垂直翻转',
  /\b(?:flip|flipped|mirror|mirrored|flop|reflect|reflected)\b|\bupside[\s-]*down\b|翻转|镜像|倒置|颠倒|上下反转|左右反转|倒过来/,
  (c) => {
    if (c.has(/\bcolou?rs?\b|颜色|色彩/)) return undefined;
    const both = c.take(/\bhorizontally_and_vertically\b|\bboth\s+(?:ways|axes|directions)\b|上下左右/);
    const vertical = c.take(/\b(?:vertical|vertically|upside[\s-]*down|top_and_bottom|top\s+to\s+bottom)\b|上下|垂直|颠倒|倒置|倒过来/);
    c.takeAll(/\b(?:flip|flipped|mirror|mirrored|flop|reflect|reflected|horizontal|horizontally|left_and_right|left\s+to\s+right|sideways|image)\b|翻转|镜像|左右|水平|反转/);
    if (both) return [{ op: 'flip', axis: 'horizontal' }, { op: 'flip', axis: 'vertical' }];
    return { op: 'flip', axis: vertical ? 'vertical' : 'horizontal' };
  },
);

export const TEXT_AND_GEOMETRY_RULES: readonly Rule[] = [text, trim, border, extend, zoomIn, crop, resize];
/** After hue (which also says "rotate"). */
export const ORIENTATION_RULES: readonly Rule[] = [rotate, flip];
