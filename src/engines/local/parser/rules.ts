/**
 * The catalogue of clause rules, most specific first. A rule looks for its trigger words and, if
 * present, takes its parameters from the clause and returns the operations; the caller then checks
 * that nothing but filler is left. `names` and `keywords` feed the "closest supported operations"
 * hint of the error message.
 */
import type { Operation } from '../plan.js';
import type { Clause } from './clause.js';
import { BLACK, WHITE } from './colours.js';

export interface Rule {
  readonly id: string;
  /** How the operation is named in error messages. */
  readonly name: string;
  /** Words users might type for it (EN and ZH), for suggestions. */
  readonly keywords: readonly string[];
  parse(c: Clause): Operation[] | undefined;
}

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));
const round2 = (x: number): number => Math.round(x * 100) / 100;

const UP = /\b(?:increase|increased|more|raise|boost|higher|up|enhance|stronger|add|plus)\b|提高|增加|增强|加强|调高|提升|加大|加|高/;
const DOWN = /\b(?:decrease|decreased|less|reduce|reduced|lower|down|weaken|weaker|minus|remove|tone\s+down)\b|降低|减少|减弱|调低|减小|减|降|低|弱/;

/** Amount of change: "by 30%" → 0.3; "to 150%" → absolute; vague → default × intensity. */
function change(c: Clause, dir: number, def: number): number {
  const to = c.take(/\b(?:to|at)\s+(?=-?\d+(?:\.\d+)?\s*%)|(?:到|为|至)\s*(?=-?\d+(?:\.\d+)?\s*%)/);
  const p = c.percent();
  if (p !== undefined && to) return round2(clamp(p, 0, 4));
  const m = p === undefined ? c.multiplier() : undefined;
  if (m !== undefined) return round2(clamp(dir < 0 ? 1 / m : m, 0, 4));
  c.take(/\bby\b/);
  const amount = p !== undefined ? Math.abs(p) : def * c.intensity();
  const sign = p !== undefined && p < 0 ? -1 : dir < 0 ? -1 : 1;
  return round2(clamp(1 + sign * amount, 0, 4));
}

function rule(id: string, name: string, keywords: string, trigger: RegExp, parse: (c: Clause) => Operation[] | Operation | undefined): Rule {
  return {
    id,
    name,
    keywords: keywords.split(/\s*,\s*/),
    parse(c) {
      if (!c.has(trigger)) return undefined;
      const out = parse(c);
      if (out === undefined) return undefined;
      return Array.isArray(out) ? out : [out];
    },
  };
}

const BG = '(?:background|backdrop|bg|scene|surroundings)';
const ZH_BG = '(?:背景|底色|背景色)';

// ML ----------------------------------------------------------------------------------------

const removeText = rule(
  'removeText',
  'remove text/watermark',
  'remove text, remove watermark, erase caption, 去水印, 去除文字, 去字幕',
  /\b(?:remove|erase|delete|get\s+rid\s+of|clean|clear|strip|wipe)\b.*\b(?:text|texts|watermarks?|captions?|subtitles?|words|letters|logos?|writing|overlays?)\b|\b(?:de-?watermark|unwatermark)\b|去(?:除|掉)?(?:文字|水印|字幕|字|logo)|(?:去除|去掉|删除|删掉|擦除|抹掉|消除).*(?:文字|水印|字幕|logo)|(?:文字|水印|字幕|logo).*(?:去除|去掉|删除|删掉|擦除|抹掉|消除|去)/,
  (c) => {
    c.take(/\b(?:remove|erase|delete|get\s+rid\s+of|clean|clear|strip|wipe|de-?watermark|unwatermark)\b|去除|去掉|删除|删掉|擦除|抹掉|消除|去/);
    c.takeAll(/\b(?:overlaid|overlay|overlays|text|texts|watermarks?|captions?|subtitles?|words|letters|logos?|writing|all|any|from|on)\b|文字|水印|字幕|logo|字|里面|里/);
    return { op: 'removeText' };
  },
);

const backgroundBlur = rule(
  'backgroundBlur',
  'blur background (portrait mode)',
  'blur background, portrait mode, bokeh, 背景虚化, 人像模式, 景深',
  new RegExp(
    `\\b(?:blur|blurred|blurry|soften|defocus|defocused)\\b.*\\b${BG}\\b|\\b${BG}\\b.*\\b(?:blur|blurred|blurry|out\\s+of\\s+focus)\\b|portrait\\s+mode|portrait\\s+effect|bokeh|shallow\\s+depth|${ZH_BG}.*(?:虚化|模糊)|(?:虚化|模糊).*${ZH_BG}|人像模式|景深|大光圈|虚化`,
  ),
  (c) => {
    c.takeAll(new RegExp(`\\b(?:blur|blurred|blurry|soften|defocus|defocused|out\\s+of\\s+focus|portrait\\s+mode|portrait\\s+effect|bokeh|shallow\\s+depth(?:\\s+of\\s+field)?|keep|subject|sharp|in\\s+focus|${BG})\\b|stand\\s+out|stands\\s+out|pop|make|person|people|${ZH_BG}|虚化|模糊|人像模式|景深|大光圈|主体|人物|人像|突出|清晰|保持|保留`));
    return { op: 'backgroundBlur', strength: c.intensity() };
  },
);

const backgroundTone = rule(
  'backgroundTone',
  'black-and-white or darker background (colour splash)',
  'colour splash, black and white background, darken background, 背景黑白, 背景变暗, 主体保留颜色',
  new RegExp(`\\b${BG}\\b|${ZH_BG}|\\bcolou?r\\s*splash\\b|\\bselective\\s+colou?r\\b|色彩点缀`),
  (c) => {
    const splash = c.take(/\bcolou?r\s*splash\b|\bselective\s+colou?r\b|色彩点缀/);
    const grey = splash ?? c.take(/black_and_white|\bgr[ae]y(?:scale)?\b|\bmonochrome\b|\bdesaturate(?:d)?\b|黑白|灰色|灰度|去色/);
    const dark = grey ? undefined : c.take(/\b(?:darken|darker|dim|dimmer)\b|变暗|压暗|调暗|暗一些|暗/);
    if (!grey && !dark) return undefined;
    c.takeAll(new RegExp(`\\b(?:make|turn|convert|set|keep|the|subject|person|in|colou?rs?|only|but|while|and|its|original|${BG})\\b|${ZH_BG}|变成|变为|变|转成|转为|主体|人物|保留|保持|颜色|原色|彩色|只`));
    return { op: 'backgroundTone', effect: grey ? 'grayscale' : 'darken' };
  },
);

const cutout = rule(
  'cutout',
  'put the subject of one image onto another',
  'cut out subject, put person onto image, 抠图, 把人物放到',
  /⟦i\d⟧.*⟦i\d⟧/,
  (c) => {
    if (!c.has(/\b(?:subject|person|people|man|woman|object|foreground|cut[\s-]*out|cutout|figure|him|her|them)\b|主体|人物|人像|抠|前景|物体/)) return undefined;
    const onto = c.take(/(?:\b(?:on|onto|into|to|over|as|against)\s+(?:the\s+)?|(?:放到|放在|贴到|贴在|移到|合成到|到|在))\s*⟦i(\d)⟧/);
    const rest = c.images();
    if (!onto || rest === undefined || rest === 'all' || rest.length !== 1) return undefined;
    c.takeAll(/\b(?:cut[\s-]*out|cutout|subject|main|person|people|man|woman|object|foreground|figure|him|her|them|put|place|paste|move|insert|it|from|of|and|background|scene|new)\b|主体|人物|人像|抠出来|抠出|抠图|抠|前景|物体|放到|放在|贴到|贴在|移到|合成到|合成|放|贴|背景|上面|上|里|中/);
    return { op: 'cutout', subject: rest[0] as number, onto: Number(onto[1]) };
  },
);

const removeBackground = rule(
  'removeBackground',
  'remove background',
  'remove background, transparent background, cut out, 抠图, 去背景, 透明背景',
  new RegExp(
    `\\b(?:remove|erase|delete|get\\s+rid\\s+of|drop|strip|clear)\\b.*\\b${BG}\\b|\\btransparent\\s+${BG}|${BG}\\b.*\\btransparent|\\bcut[\\s-]*out\\b|\\bisolate\\b|抠图|抠出|去(?:除|掉)?${ZH_BG}|${ZH_BG}.*(?:去除|去掉|删除|删掉|透明|去)|透明${ZH_BG}`,
  ),
  (c) => {
    c.takeAll(new RegExp(`\\b(?:remove|erase|delete|get\\s+rid\\s+of|drop|strip|clear|transparent|make|cut[\\s-]*out|isolate|subject|person|object|foreground|${BG})\\b|抠图|抠出来|抠出|去除|去掉|删除|删掉|透明|${ZH_BG}|主体|人物|去`));
    return { op: 'removeBackground' };
  },
);

const replaceBackground = rule(
  'replaceBackground',
  'replace background',
  'replace background, change background to, use image 2 as background, 换背景, 背景换成, 更换背景',
  new RegExp(
    `\\b${BG}\\b|${ZH_BG}`,
  ),
  (c) => {
    if (!c.has(new RegExp(`\\b(?:replace|change|swap|switch|set|make|turn|put|use|paint|fill|new)\\b|换|替换|更换|改|变|设|作为|当|做`))) return undefined;
    c.takeAll(new RegExp(`\\b(?:replace|replaced|change|swap|switch|set|make|turn|put|use|paint|fill|new|with|to|into|as|solid|plain|${BG})\\b|替换成|替换为|替换|更换为|更换成|更换|换成|换为|改成|改为|变成|变为|设为|设置为|作为|当作|当|做|换|改|变|纯|${ZH_BG}`));
    const colour = c.colour();
    const images = c.images();
    if (colour && images === undefined) return { op: 'replaceBackground', colour, source: undefined };
    if (!colour && Array.isArray(images) && images.length === 1) return { op: 'replaceBackground', colour: undefined, source: images[0] };
    return undefined;
  },
);

const faces = rule(
  'faces',
  'blur/pixelate faces',
  'blur faces, pixelate faces, anonymize faces, 人脸打码, 脸部模糊, 人脸马赛克',
  /\bfaces?\b|人脸|脸部|面部|脸/,
  (c) => {
    const pix = c.take(/\b(?:pixelate|pixelated|pixelise|pixelize|mosaic)\b|马赛克|打码|像素化/);
    const blur = pix ? undefined : c.take(/\b(?:blur|blurred|hide|anonymi[sz]e|censor|obscure|mask|cover)\b|模糊|隐藏|遮挡|遮住|虚化|隐去/);
    if (!pix && !blur) return undefined;
    c.takeAll(/\b(?:faces?|all|every|people's|persons?|of)\b|所有|人脸|脸部|面部|脸|人的/);
    return { op: 'faces', mode: pix ? 'pixelate' : 'blur' };
  },
);

const upscale = rule(
  'upscale',
  'upscale (super-resolution)',
  'upscale, super resolution, increase resolution, 超分, 高清, 提高分辨率',
  /\b(?:upscale|upscaled|upscaling|upsample|super[\s-]*res(?:olution)?|hd|high[\s-]*definition|high[\s-]*res(?:olution)?|higher\s+resolution|4k)\b|(?:increase|improve|boost|enhance|raise|double)\s+(?:the\s+)?resolution|超分|超分辨率|分辨率|高清|无损放大/,
  (c) => {
    const m = c.multiplier();
    c.takeAll(/\b(?:upscale|upscaled|upscaling|upsample|super[\s-]*res(?:olution)?|hd|high[\s-]*definition|high[\s-]*res(?:olution)?|higher|resolution|increase|improve|boost|enhance|raise|double|4k|quality)\b|超分辨率|超分|分辨率|高清|无损放大|放大|画质|清晰/);
    const factor = m !== undefined && m >= 3 ? 4 : 2;
    return { op: 'upscale', factor };
  },
);

// Fusion -------------------------------------------------------------------------------------

const collage = rule(
  'collage',
  'side by side / collage',
  'side by side, collage, grid, stitch, combine images, 并排, 拼接, 拼图, 拼贴, 宫格',
  /\bside\s+by\s+side\b|next\s+to\s+each\s+other|\bcollage\b|\bgrid\b|\bstitch|\bstack|one\s+above\s+the\s+other|\b(?:combine|join|merge|concatenate|arrange)\b|并排|拼接|拼图|拼贴|拼在一起|拼成|宫格|网格|排列|排在一起|组合/,
  (c) => {
    if (c.has(/\b(?:blend|mix)\b|融合|混合/)) return undefined;
    const vertical = c.takeAll(/\b(?:vertical|vertically|above|below|stack|stacked|top_and_bottom|one\s+above\s+the\s+other|on\s+top\s+of\s+each\s+other)\b|上下/).length > 0;
    const grid = !vertical && c.takeAll(/\b(?:grid|collage)\b|[二两三四六九]?宫格|网格|拼贴|田字/).length > 0;
    c.take(/\b\d\s*[x×]\s*\d\b/);
    const scatter = c.take(/\b(?:scatter|scattered|random|randomly|polaroid|messy|playful|tilted)\b|散落|随意|随机|凌乱|错落/);
    c.takeAll(/\b(?:side\s+by\s+side|next\s+to\s+each\s+other|horizontal|horizontally|in\s+a\s+row|row|collage|grid|stitch|stitched|stack|stacked|combine|combined|join|merge|concatenate|arrange|together|put|place|them|layout)\b|左右|并排|拼接|拼图|拼贴|拼在一起|拼成|宫格|网格|排列|排在一起|组合|横向|一起|放在/);
    const images = c.images() ?? 'all';
    if (images !== 'all' && images.length < 2) return undefined;
    return {
      op: 'collage',
      layout: vertical ? 'vertical' : grid || (scatter && images === 'all') ? 'grid' : 'horizontal',
      images: images === 'all' ? [] : images,
      scatter: scatter !== undefined,
    };
  },
);

const blend = rule(
  'blend',
  'blend two images',
  'blend, mix, double exposure, 融合, 混合, 叠加, 双重曝光',
  /\b(?:blend|blended|mix|mixed|double\s+exposure|superimpose|fuse|fusion|cross-?fade)\b|融合|混合|叠加|双重曝光/,
  (c) => {
    const p = c.percent();
    c.takeAll(/\b(?:blend|blended|mix|mixed|double\s+exposure|superimpose|fuse|fusion|cross-?fade|opacity|transparency|over|into|together|with|semi-transparent)\b|融合|混合|叠加|双重曝光|不透明度|透明度|一起/);
    const images = c.images();
    let source = 2;
    if (Array.isArray(images)) {
      const others = images.filter((n) => n !== 1);
      if (others.length > 1) return undefined;
      source = others[0] ?? 2;
    }
    return { op: 'blend', source, opacity: round2(clamp(p ?? 0.5, 0.05, 1)) };
  },
);

const overlay = rule(
  'overlay',
  'place one image onto another',
  'put image 2 on image 1, paste, overlay, 把图2放到图1上, 贴到',
  /⟦i\d⟧/,
  (c) => {
    if (!c.has(/\b(?:put|place|paste|insert|overlay|add|stick|position|drop|superimpose|layer)\b|放|贴|叠|加|置|插入/)) return undefined;
    const onto = c.take(/(?:\b(?:on|onto|over|into|in|to|at|atop)\s+(?:top\s+of\s+)?(?:the\s+)?|(?:放到|放在|贴到|贴在|加到|叠到|叠在|到|在))\s*⟦i(\d)⟧/);
    const refs = c.images();
    if (!Array.isArray(refs) || refs.length !== 1) return undefined;
    const position = c.position() ?? (c.take(/\bcorner\b|角落|角/) ? 'bottom-right' : 'center');
    const p = c.percent();
    const size = p ?? (c.take(/\b(?:small|smaller|tiny|little)\b|缩小|小/) ? 0.2 : c.take(/\b(?:large|big|bigger|huge)\b|大/) ? 0.5 : 0.3);
    c.takeAll(/\b(?:put|place|paste|insert|overlay|add|stick|position|drop|superimpose|layer|size|wide|width|scaled|scale|at|of|on|onto|top|corner|logo|watermark|sticker|as)\b|水印|标志|贴纸|放到|放在|贴到|贴在|加到|叠到|叠在|放|贴|叠|加|置|插入|宽|大小|缩放|角落|角|上面|上|里|中/);
    const ontoN = onto ? Number(onto[1]) : undefined;
    return { op: 'overlay', source: refs[0] as number, onto: ontoN === 1 ? undefined : ontoN, position, scale: round2(clamp(size, 0.05, 1)) };
  },
);

export const ML_AND_FUSION_RULES: readonly Rule[] = [
  removeText,
  backgroundBlur,
  backgroundTone,
  cutout,
  removeBackground,
  replaceBackground,
  faces,
  upscale,
  collage,
  blend,
  overlay,
];

export { BLACK, WHITE, UP, DOWN, change, clamp, round2, rule };
