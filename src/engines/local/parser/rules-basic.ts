/** Rules for text, geometry, tone/colour and filter operations (see rules.ts for the shape). */
import type { Operation, Side } from '../plan.js';
import type { Clause } from './clause.js';
import { BLACK, DOWN, UP, WHITE, change, clamp, round2, rule, type Rule } from './rules.js';

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
    c.takeAll(/\b(?:add|put|write|place|insert|overlay|caption|captioned|title|label|type|print|stamp|text|saying|says|that\s+says|reading|reads|words?|letters|font|color|colour|colored|coloured|in|with|size|sized|slogan|headline|subtitle|corner)\b|添加|加上|写上|写下|写|题字|配文|文案|标题|水印|文字|字样|字体|颜色|的字|字|角|大小/);
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
    return { op: 'trim' };
  },
);

const border = rule(
  'border',
  'border/frame',
  'border, frame, 边框, 相框, 画框, 描边',
  /\b(?:border|borders|frame|framed|frames|matte|passe-partout)\b|边框|相框|画框|描边|加框|外框|边/,
  (c) => {
    const colour = c.colour();
    const px = c.pixels();
    const p = px === undefined ? c.percent() : undefined;
    let width = p ?? 0.03;
    if (px === undefined && p === undefined) {
      if (c.take(/\b(?:thin|thinner|narrow|fine|hairline)\b|细|窄/)) width = 0.012;
      else if (c.take(/\b(?:thick|thicker|wide|wider|broad|heavy|bold)\b|粗|宽|厚/)) width = 0.07;
    }
    c.takeAll(/\b(?:add|put|draw|give|border|borders|frame|framed|frames|matte|passe-partout|around|surround|wide|thick|wrap|with|solid|simple)\b|边框|相框|画框|描边|加框|外框|四周|周围|加|边/);
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

const CROP = /\b(?:crop|cropped|cropping|cut)\b|裁剪|裁切|剪裁|截取|裁成|裁掉|裁|切掉|切成|剪/;

const crop = rule('crop', 'crop', 'crop square, crop 16:9, crop centre, crop left half, 裁剪, 裁成正方形, 裁切', CROP, (c) => {
  c.takeAll(/\b(?:crop|cropped|cropping|cut|keep|only|the|to|into|an?|of|aspect|ratio|format|around|portrait|landscape)\b|裁剪|裁切|剪裁|截取|裁成|裁掉|裁|切掉|切成|剪|保留|只|比例|为|成/);
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
    const w = c.take(/(\d{2,5})\s*(?:px\s*|pixels?\s*)?(?:wide|width)\b|\bwidth\s*(?:of\s*|to\s*|=\s*)?(\d{2,5})|宽(?:度)?[^\d]{0,4}?(\d{2,5})/);
    const h = c.take(/(\d{2,5})\s*(?:px\s*|pixels?\s*)?(?:tall|high|height)\b|\bheight\s*(?:of\s*|to\s*|=\s*)?(\d{2,5})|高(?:度)?[^\d]{0,4}?(\d{2,5})/);
    if (w || h) {
      c.takeAll(/\b(?:resize|resized|scale|scaled|rescale|to|pixels?|px|size|keep|keeping|aspect|ratio|proportions?)\b|缩放|尺寸|大小|调整|像素|保持比例|等比/);
      const num = (m: RegExpExecArray | undefined): number | undefined => (m ? Number(m[1] ?? m[2] ?? m[3]) : undefined);
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

const hue = rule('hue', 'hue shift', 'hue shift, rotate hue, 色相, 色相偏移', /\bhue\b|色相|色调偏移/, (c) => {
  const d = c.degrees() ?? c.number();
  const neg = c.take(/\b(?:back|backwards|negative|counter[\s-]*clockwise|anti[\s-]*clockwise)\b|逆时针|负/);
  c.takeAll(/\b(?:hue|shift|shifted|rotate|rotated|rotation|change|by|degrees?)\b|色相|色调|偏移|旋转|改变/);
  const deg = (d ?? 60) * (neg ? -1 : 1);
  return { op: 'hue', degrees: ((((deg + 180) % 360) + 360) % 360) - 180 };
});

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
    const both = c.take(/\bhorizontally_and_vertically\b|\bboth\s+(?:ways|axes|directions)\b|上下左右/);
    const vertical = c.take(/\b(?:vertical|vertically|upside[\s-]*down|top_and_bottom|top\s+to\s+bottom)\b|上下|垂直|颠倒|倒置|倒过来/);
    c.takeAll(/\b(?:flip|flipped|mirror|mirrored|flop|reflect|reflected|horizontal|horizontally|left_and_right|left\s+to\s+right|sideways|image)\b|翻转|镜像|左右|水平|反转/);
    if (both) return [{ op: 'flip', axis: 'horizontal' }, { op: 'flip', axis: 'vertical' }];
    return { op: 'flip', axis: vertical ? 'vertical' : 'horizontal' };
  },
);

// Tone and colour ----------------------------------------------------------------------------

const vignette = rule('vignette', 'vignette', 'vignette, darken corners, 暗角, 晕影', /\bvignett(?:e|ing)\b|\bdark(?:en|er)?\s+(?:the\s+)?(?:corners|edges)\b|暗角|晕影|四角压暗|压暗四角/, (c) => {
  const p = c.percent();
  const k = c.intensity();
  c.takeAll(/\b(?:vignett(?:e|ing)|dark|darken|darker|corners|edges)\b|暗角|晕影|四角压暗|压暗四角/);
  return { op: 'vignette', strength: round2(clamp(p ?? 0.45 * k, 0.05, 1)) };
});

const denoise = rule(
  'denoise',
  'denoise',
  'denoise, reduce noise, noise reduction, 降噪, 去噪, 磨皮',
  /\bde-?noise\b|\bnoise\s+reduction\b|\b(?:reduce|remove|clean|less|fix|get\s+rid\s+of|eliminate)\b.*\b(?:noise|grain|noisy|grainy|speckles?)\b|降噪|去噪|去除噪点|减少噪点|消除噪点|去噪点|磨皮|去颗粒/,
  (c) => {
    const k = c.intensity();
    c.takeAll(/\b(?:de-?noise|noise|reduction|reduce|remove|clean|cleanup|up|less|fix|get\s+rid\s+of|eliminate|grain|noisy|grainy|speckles?|salt_and_pepper)\b|降噪|去噪|去除|减少|消除|噪点|磨皮|颗粒|去/);
    return { op: 'denoise', strength: k > 1 ? 2 : 1 };
  },
);

const grain = rule('grain', 'film grain', 'film grain, add noise, grainy, 胶片颗粒, 噪点, 颗粒感', /\bgrain(?:y|s)?\b|\bnoise\b|\bnoisy\b|颗粒|噪点|噪声|胶片感/, (c) => {
  const p = c.percent();
  const k = c.intensity();
  c.takeAll(/\b(?:film|grain|grainy|grains|noise|noisy|analog|analogue|add|subtle|texture)\b|胶片感|胶片|颗粒感|颗粒|噪点|噪声|质感/);
  return { op: 'grain', amount: round2(clamp(p ?? 0.3 * k, 0.02, 1)) };
});

const grayscale = rule(
  'grayscale',
  'grayscale',
  'grayscale, black and white, monochrome, 黑白, 灰度, 去色',
  /gr[ae]y\s*scale|black_and_white|\bmonochrome\b|\bmono\b|\bcolou?rless\b|\bno\s+colou?rs?\b|\b(?:remove|drop|strip)\s+(?:all\s+)?(?:the\s+)?colou?rs?\b|\b(?:make|turn|convert)\b.*\bgr[ae]y\b|黑白|灰度|去色|单色|灰色调/,
  (c) => {
    c.takeAll(/gr[ae]y\s*scale(?:d)?|black_and_white|\b(?:monochrome|mono|colou?rless|no|colou?rs?|remove|drop|strip|gr[ae]y|convert|turn|make|photo|classic)\b|黑白|灰度|去色|单色|灰色调|照片|经典/);
    return { op: 'grayscale' };
  },
);

const sepia = rule(
  'sepia',
  'sepia/vintage',
  'sepia, vintage, retro, old photo, 复古, 怀旧, 老照片, 棕褐色',
  /\bsepia\b|\bvintage\b|\bretro\b|\bold[\s-]*(?:photo|photograph|fashioned|style|film|timey|school)\b|\bantique\b|\baged\b|\bnostalgic\b|复古|怀旧|老照片|棕褐|泛黄|做旧|年代感|旧照片/,
  (c) => {
    const plain = c.take(/\bsepia\b|棕褐色?/);
    const k = c.intensity();
    c.takeAll(/\b(?:sepia|vintage|retro|old[\s-]*(?:photo|photograph|fashioned|style|film|timey|school)|antique|aged|nostalgic|tone|toned|tint|look|feel|like)\b|复古|怀旧|老照片|旧照片|棕褐色?|泛黄|做旧|年代感|色调|感觉|质感/);
    if (plain) return { op: 'sepia', strength: k < 1 ? 0.5 : 1 };
    return [
      { op: 'sepia', strength: k < 1 ? 0.4 : 0.7 },
      { op: 'vignette', strength: 0.3 },
    ];
  },
);

const invert = rule('invert', 'invert colours', 'invert, negative, 反色, 反相, 负片', /\binvert(?:ed)?\b|\binverse\b|\bnegative\b|反色|反相|负片|颜色反转|反转颜色|色彩反转/, (c) => {
  c.takeAll(/\b(?:invert|inverted|inverse|negative|colou?rs?|photo|film)\b|反色|反相|负片|颜色反转|反转颜色|色彩反转|颜色/);
  return { op: 'invert' };
});

const brightness = rule(
  'brightness',
  'brightness',
  'brighter, darker, brightness, exposure, 调亮, 变暗, 亮度, 曝光',
  /\b(?:bright|brighter|brighten|brightness|lighten|lighter|exposure|expose|dark|darker|darken|dim|dimmer|dimmed|underexposed|overexposed)\b|亮|暗|曝光/,
  (c) => {
    const tooDark = c.take(/\btoo\s+(?:dark|dim)\b|太暗|过暗|偏暗|\bunderexposed\b/);
    const tooBright = tooDark ? undefined : c.take(/\btoo\s+bright\b|太亮|过亮|偏亮|过曝|\boverexposed\b/);
    const down = tooDark ? undefined : tooBright ?? c.take(/\b(?:darker|darken|dark|dim|dimmer|dimmed)\b|变暗|调暗|暗一些|暗一点|暗/);
    const dir = tooDark ? 1 : down ? -1 : c.direction(UP, DOWN);
    c.takeAll(/\b(?:bright|brighter|brighten|brightness|lighten|lighter|exposure|expose|overexposed|light)\b|亮度|变亮|调亮|提亮|亮一些|亮一点|亮|曝光度|曝光/);
    return { op: 'brightness', factor: change(c, dir, 0.2) };
  },
);

const contrast = rule('contrast', 'contrast', 'contrast, punchier, 对比度, 反差', /\bcontrast(?:y)?\b|\bpunch(?:y|ier)\b|对比|反差/, (c) => {
  const dir = c.direction(UP, DOWN) || (c.take(/\b(?:flat|flatter|softer)\b|柔和|平淡/) ? -1 : 1);
  c.takeAll(/\b(?:contrast|contrasty|punchy|punchier|high|low)\b|对比度|对比|反差/);
  return { op: 'contrast', factor: change(c, dir, 0.2) };
});

const saturation = rule(
  'saturation',
  'saturation',
  'saturation, more vivid, desaturate, 饱和度, 鲜艳, 淡雅',
  /\b(?:saturation|saturate|saturated|desaturate|desaturated|vivid|vibrant|colou?rful|muted|washed[\s-]*out|vibrance|pop)\b|饱和|鲜艳|艳丽|浓郁|淡雅|素雅|色彩更|颜色更/,
  (c) => {
    const down = c.take(/\b(?:desaturate|desaturated|muted|washed[\s-]*out|dull|duller)\b|淡雅|素雅|暗淡|黯淡/);
    const up = down ? undefined : c.take(/\b(?:saturate|saturated|vivid|vibrant|colou?rful|pop)\b|鲜艳|艳丽|浓郁/);
    const dir = down ? -1 : up ? 1 : c.direction(UP, DOWN) || 1;
    c.takeAll(/\b(?:saturation|vibrance|colou?rs?|make|the|more)\b|饱和度|饱和|色彩|颜色|更/);
    return { op: 'saturation', factor: change(c, dir, down ? 0.4 : 0.3) };
  },
);

const temperature = rule(
  'temperature',
  'warmer/cooler',
  'warmer, cooler, colour temperature, 暖色调, 冷色调, 色温',
  /\b(?:warm|warmer|warmth|cool|cooler|cold|colder|temperature|icy)\b|暖|冷|色温/,
  (c) => {
    const cool = c.take(/\b(?:cool|cooler|cold|colder|icy)\b|冷/);
    const warm = cool ? undefined : c.take(/\b(?:warm|warmer|warmth)\b|暖/);
    const dir = cool ? -1 : warm ? 1 : c.direction(UP, DOWN) || 1;
    const p = c.percent();
    const k = c.intensity();
    // "a cool blue tone", "warm golden light": the colour only says which way.
    const hueWord = c.colour();
    if (hueWord && !['blue', 'light blue', 'dark blue', 'cyan', 'teal', 'orange', 'yellow', 'gold', 'red'].includes(hueWord.en)) return undefined;
    c.takeAll(/\b(?:colou?r|temperature|tones?|toned|feel|look|light|white\s+balance)\b|色温|色调|调子|色|感/);
    return { op: 'temperature', amount: round2(dir * clamp(p ?? 0.15 * k, 0.01, 1)) };
  },
);

const tint = rule(
  'tint',
  'tint with a colour',
  'tint, colour wash, colour filter, 色调, 滤镜, 偏蓝, 染成',
  /\b(?:tint|tinted|tinge|wash|cast|filter|overlay|hue|shade|toned|tone)\b|滤镜|色调|偏|染|着色|罩|调成|色彩|(?:turn|make|color|colour)\b|变成|变|调/,
  (c) => {
    const colour = c.colour();
    if (!colour) return undefined;
    const p = c.percent();
    const k = c.intensity();
    c.takeAll(/\b(?:tint|tinted|tinge|wash|cast|filter|overlay|hue|shade|toned|tone|turn|make|color|colour|colored|coloured|layer|light)\b|滤镜|色调|偏|染成|染|着色|罩|调成|色彩|变成|变|调|一层|层|光/);
    return { op: 'tint', colour, strength: round2(clamp(p ?? 0.35 * Math.sqrt(k), 0.05, 1)) };
  },
);

const posterize = rule('posterize', 'posterize', 'posterize, poster effect, 色调分离, 海报效果', /\bposteri[sz](?:e|ed|ation)\b|\bposter\b|\breduce\s+(?:the\s+)?colou?rs\b|色调分离|海报|色阶分离/, (c) => {
  const n = c.take(/(\d+)\s*(?:levels?|colou?rs?|tones?|shades?|级|阶|色)/) ?? c.take(/(?<![\d⟦])(\d+)(?![\d⟧%])/);
  c.takeAll(/\b(?:posteri[sz](?:e|ed|ation)|poster|reduce|colou?rs?|levels?)\b|色调分离|海报|色阶分离|色阶/);
  return { op: 'posterize', levels: clamp(n ? Number(n[1]) : 4, 2, 16) };
});

const autoEnhance = rule(
  'autoEnhance',
  'auto-enhance',
  'auto enhance, enhance, auto levels, improve, 自动增强, 一键美化, 优化',
  /\b(?:auto[\s-]*enhance|auto[\s-]*(?:levels?|colou?rs?|contrast|tone|fix|correct)|enhance|enhanced|improve|improved|normali[sz]e|fix\s+(?:the\s+)?(?:colou?rs?|exposure|lighting)|better|beautify|retouch|polish)\b|美化|优化|自动增强|一键增强|增强|自动调整|自动修复|修图|润色|改善/,
  (c) => {
    c.takeAll(/\b(?:auto[\s-]*enhance|auto|levels?|colou?rs?|contrast|tone|fix|correct|enhance|enhanced|improve|improved|normali[sz]e|exposure|lighting|better|beautify|retouch|polish|quality|automatically)\b|美化|优化|自动增强|一键增强|增强|自动调整|自动修复|自动|一键|修图|润色|改善|效果|质量/);
    return { op: 'autoEnhance' };
  },
);

// Filters ------------------------------------------------------------------------------------

const pixelate = rule('pixelate', 'pixelate/mosaic', 'pixelate, mosaic, pixel art, 8-bit, 马赛克, 像素化, 像素风', /\bpixel(?:ate|ated|ise|ize|ized|ised|\s+art|lated)\b|\b8[\s-]*bit\b|\bmosaic\b|马赛克|像素化|像素风|打码/, (c) => {
  let block = 1 / 40;
  if (c.take(/\b(?:large|big|bigger|huge|chunky|coarse)\b|大块|粗|大/)) block = 1 / 20;
  else if (c.take(/\b(?:small|tiny|fine)\b|小块|细|小/)) block = 1 / 80;
  c.takeAll(/\b(?:pixel(?:ate|ated|ise|ize|ized|ised|\s+art)|8[\s-]*bit|mosaic|style|blocks?|pixels?)\b|马赛克|像素化|像素风|打码|块/);
  return { op: 'pixelate', block: round2(block * 1000) / 1000 };
});

const sketch = rule('sketch', 'pencil sketch', 'sketch, pencil drawing, line art, 素描, 铅笔画, 线稿', /\bsketch(?:ed|y)?\b|\bpencil\b|\bdrawing\b|\bline\s+art\b|\bcharcoal\b|素描|铅笔|线稿|速写|手绘/, (c) => {
  c.takeAll(/\b(?:sketch|sketched|sketchy|pencil|drawing|drawn|line\s+art|charcoal|hand-drawn|like|style)\b|素描|铅笔画|铅笔|线稿|速写|手绘|画/);
  return { op: 'sketch' };
});

const cartoon = rule('cartoon', 'cartoon', 'cartoon, comic, anime, toon, 卡通, 动漫, 漫画', /\bcartoon(?:ish|ize|ise|ified|y)?\b|\bcomic(?:s|\s+book)?\b|\banime\b|\btoon\b|\bcel[\s-]*shad|卡通|动漫|漫画|动画/, (c) => {
  c.takeAll(/\b(?:cartoon(?:ish|ize|ise|ified|y)?|comic(?:s|\s+book)?|anime|toon|cel[\s-]*shad(?:ed|ing)?|like|style|drawing)\b|卡通|动漫|漫画|动画|画/);
  return { op: 'cartoon' };
});

const emboss = rule('emboss', 'emboss', 'emboss, relief, 浮雕', /\bemboss(?:ed)?\b|\brelief\b|浮雕/, (c) => {
  c.takeAll(/\b(?:emboss|embossed|relief|carved|stone)\b|浮雕|石刻/);
  return { op: 'emboss' };
});

const blur = rule('blur', 'blur', 'blur, soften, gaussian blur, out of focus, 模糊, 柔化', /\b(?:blur|blurred|blurry|soften|softened|gaussian|out\s+of\s+focus|defocus|unfocus)\b|模糊|柔化|虚化|朦胧/, (c) => {
  const sigmaM = c.take(/\b(?:radius|sigma|strength)\s*(?:of\s*)?(\d+(?:\.\d+)?)\b|(\d+(?:\.\d+)?)\s*(?:px|pixels?|像素)/) ?? c.take(/(?<![\d⟦])()(\d+(?:\.\d+)?)(?![\d⟧%])/);
  const k = c.intensity();
  c.takeAll(/\b(?:blur|blurred|blurry|soften|softened|gaussian|out\s+of\s+focus|defocus|unfocus|radius|focus)\b|模糊|柔化|虚化|朦胧|半径/);
  const sigma = sigmaM ? clamp(Number(sigmaM[1] || sigmaM[2]), 0.3, 200) : undefined;
  return { op: 'blur', strength: k, sigma };
});

const sharpen = rule('sharpen', 'sharpen', 'sharpen, sharper, crisper, more detail, 锐化, 更清晰', /\bsharp(?:en|er|ness|ened)?\b|\bcrisp(?:er)?\b|\bclarity\b|\bmore\s+detail(?:ed)?\b|\bdetails?\b|锐化|清晰|锐利|细节/, (c) => {
  const k = c.intensity();
  c.takeAll(/\b(?:sharp|sharpen|sharpened|sharper|sharpness|crisp|crisper|clarity|detail|details|detailed)\b|锐化|清晰度|清晰|锐利|细节/);
  return { op: 'sharpen', strength: k };
});

export const BASIC_RULES: readonly Rule[] = [
  text,
  trim,
  border,
  extend,
  zoomIn,
  crop,
  resize,
  hue,
  rotate,
  flip,
  vignette,
  denoise,
  grain,
  grayscale,
  sepia,
  invert,
  brightness,
  contrast,
  saturation,
  temperature,
  posterize,
  pixelate,
  sketch,
  cartoon,
  emboss,
  blur,
  sharpen,
  tint,
  autoEnhance,
];

/** Used by callers that want the ops a rule id maps to (tests, docs). */
export type { Operation };
