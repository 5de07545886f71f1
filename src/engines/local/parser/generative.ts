/**
 * Requests that need a generative model: the built-in engine only makes deterministic edits to
 * the whole image (or to what its ML models segment: background, faces, overlaid text). These
 * patterns name the kinds of edit that cannot be done that way; a clause that names a specific
 * object or region is found by parser/leftover.ts instead.
 */

export type GenerativeKind = 'text' | 'style' | 'colorize' | 'pose' | 'portrait' | 'material' | 'try-on' | 'scene' | 'object';

const PATTERNS: ReadonlyArray<readonly [GenerativeKind, RegExp]> = [
  [
    'text',
    /\b(?:change|replace|edit|swap|rewrite|correct|translate)\s+(?:the\s+)?(?:existing\s+)?(?:text|words?|writing|lettering|sign|signs|label|caption|title|name)\b(?!\s*:)|\b(?:text|words?|writing)\s+on\s+the\s+(?!image|photo|picture|pic\b|result)\w+|(?:招牌|标牌|牌子|广告牌|海报|衣服|屏幕|标语|路牌|包装)(?:上|里)?的?(?:字|文字)|的(?:字|文字)(?:改成|换成|改为|替换成|替换为)/,
  ],
  [
    'style',
    /\b(?:anime|manga|ghibli|miyazaki|pixar|disney|dreamworks|watercolor|watercolors|oil[\s-]+paint(?:ing|ed)?|oil\s+on\s+canvas|impressionis[tm]|expressionis[tm]|van\s+gogh|monet|picasso|rembrandt|claymation|lego|3d\s+(?:render|model|cartoon)|cyberpunk|steampunk|ukiyo-?e|chibi|kawaii|vaporwave|pop[\s-]+art|low[\s-]?poly|illustration|painting|painted|painterly|gouache|acrylic|ink\s+wash|studio\s+style|art\s+style\s+of|in\s+the\s+style\s+of|digital\s+art|concept\s+art|comic\s+art\s+of|photorealistic|realistic\s+render)\b|动漫|动画风|漫画|二次元|宫崎骏|吉卜力|新海诚|水彩|油画|水墨|国画|工笔|手办|赛博朋克|蒸汽朋克|浮世绘|插画|皮克斯|迪士尼|黏土|粘土|日漫|美漫|国漫|梵高|莫奈|毕加索|3d渲染|写实风/,
  ],
  [
    'colorize',
    /\bcolori[sz](?:e|ed|es|ing|ation)\b|\badd\s+(?:natural\s+|realistic\s+)?colors?\s+to\b|\b(?:restore|bring\s+back)\s+(?:the\s+)?(?:original\s+)?colors?\b|black_and_white.*\b(?:into|to)\s+(?:full\s+)?color\b|上色|彩色化|变成彩色|转成彩色|还原色彩|恢复色彩|恢复颜色|着色(?=.*黑白)|黑白.*着色/,
  ],
  [
    'pose',
    /\b(?:smil(?:e|es|ing)|frown(?:ing)?|laugh(?:ing)?|wink(?:ing)?|grin(?:ning)?|cry(?:ing)?|pose|posture|jump(?:ing|s)?|sit(?:ting|s)?|stand(?:ing|s)?|run(?:ning|s)?|wav(?:e|ing)|danc(?:e|ing)|walk(?:ing)?|kneel(?:ing)?|expression|raise\s+(?:his|her|their)\b|open\s+(?:his|her|their)\b|close\s+(?:his|her|their)\s+eyes|look\s+at\s+the\s+camera|turn\s+(?:his|her|their)\s+head|instead\s+of)\b|微笑|笑|哭|表情|姿势|姿态|张开|举起|抬手|抬头|跳起|坐着|站着|跑步|挥手|闭眼|睁眼|双臂|手臂|看向镜头|转头/,
  ],
  [
    'portrait',
    /\b(?:younger|older|age|aging|de-?age|slimmer|thinner|fatter|muscular|makeup|make-up|wrinkles?|hair(?:style|cut)?|beard|mustache|tattoos?|teeth|skinny|bald|gender|freckles?|lipstick|eyes?\s+bigger|bigger\s+eyes)\b|年轻|变老|老了|美颜|瘦脸|瘦身|大眼|化妆|妆容|发型|头发|胡子|皱纹|美白|祛痘|长发|短发|性别|身材/,
  ],
  [
    'material',
    /\bmade\s+of\b|\b(?:marble|wooden|metallic|glass|plastic|bronze|ceramic|velvet|leather|denim|silk|chrome|crystal)\b|大理石|木质|木头|金属|玻璃|塑料|青铜|陶瓷|丝绸|皮革|木地板|材质/,
  ],
  ['try-on', /\b(?:dress|dressed|wear|wearing|put\s+on|try\s+on|outfit|clothes|clothing)\b|穿上|穿着|换装|试穿|衣服|裙子|婚纱/],
  [
    'scene',
    /\b(?:night(?:time)?|day\s+to\s+night|daytime|sunset|sunrise|snow(?:y|ing)?|rain(?:y|ing)?|fog(?:gy)?|stormy|winter|autumn|season)\b|夜景|夜晚|晚上|白天|黄昏|日落|日出|晚霞|火烧云|下雪|雪景|下雨|雨天|冬天|秋天|季节/,
  ],
];

const STYLE = (PATTERNS.find(([k]) => k === 'style') as readonly [GenerativeKind, RegExp])[1];

/** The kind of generative edit a clause asks for, if it plainly asks for one. */
export function generativeKind(clause: string): GenerativeKind | undefined {
  for (const [kind, re] of PATTERNS) if (re.test(clause)) return kind;
  return undefined;
}

/** True when the clause names a generative art style (checked even in "…, like X" clauses). */
export function namesGenerativeStyle(clause: string): boolean {
  return STYLE.test(clause);
}

const REASON: Record<GenerativeKind, string> = {
  text: 'replacing text that is already in the picture',
  style: 'a generative style such as anime, manga, Ghibli, watercolour or oil painting',
  colorize: 'colourising a black-and-white photo',
  pose: 'changing a pose, an expression or a motion',
  portrait: "changing a person's age, face, hair, body or make-up",
  material: 'changing what something is made of',
  'try-on': 'dressing a person in other clothes',
  scene: 'changing the time of day, the weather or the season',
  object: 'changing, adding, removing or restyling a specific object or region',
};

/** Where to go instead: a route with a generative upstream (docs/upstreams.md). */
export const ROUTE_HINT =
  'The built-in engine only makes deterministic edits; to serve such requests, give this model the engine "auto" with a "fallback" route to a generative engine (DashScope, an OpenAI-style server or ComfyUI) in the routing table (--config / RETOUCH_CONFIG, see docs/upstreams.md).';

export function generativeMessage(quoted: string, kind: GenerativeKind, detail?: string): string {
  const what = detail ? `${REASON[kind]}: ${detail}` : REASON[kind];
  return `"${quoted}" needs a generative model (${what}). ${ROUTE_HINT}`;
}
