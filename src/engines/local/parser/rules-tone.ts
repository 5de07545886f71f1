/** Rules for tone, colour and filter operations (see rules.ts for the shape of a rule). */
import { DOWN, UP, change, clamp, round2, rule, type Rule } from './rules.js';

const hue = rule('hue', 'hue shift', 'hue shift, rotate hue, 色相, 色相偏移', /\bhue\b|色相|色调偏移/, (c) => {
  const d = c.degrees() ?? c.number();
  const neg = c.take(/\b(?:back|backwards|negative|counter[\s-]*clockwise|anti[\s-]*clockwise)\b|逆时针|负/);
  c.takeAll(/\b(?:hue|shift|shifted|rotate|rotated|rotation|change|by|degrees?)\b|色相|色调|偏移|旋转|改变/);
  const deg = (d ?? 60) * (neg ? -1 : 1);
  return { op: 'hue', degrees: ((((deg + 180) % 360) + 360) % 360) - 180 };
});

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
  /\bde-?noise\b|\bnoise\s+reduction\b|\b(?:reduce|remove|clean|less|fix|get\s+rid\s+of|eliminate)\b.*\b(?:noise|grain|noisy|grainy|speckles?)\b|降噪|去噪|去除噪点|减少噪点|消除噪点|去噪点|磨皮|去颗粒|(?:去掉|去除|消除|减少|减轻|去)[^,.;，。；]*?(?:噪点|噪声|颗粒)/,
  (c) => {
    const k = c.intensity();
    c.takeAll(/\b(?:de-?noise|noise|reduction|reduce|remove|clean|cleanup|up|less|fix|get\s+rid\s+of|eliminate|grain|noisy|grainy|speckles?|salt_and_pepper)\b|降噪|去噪|去除|去掉|减少|减轻|消除|噪点|噪声|磨皮|颗粒|去/);
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

const invert = rule('invert', 'invert colours', 'invert, negative, 反色, 反相, 负片', /\binvert(?:ed)?\b|\binverse\b|\bnegative\b|\b(?:flip|reverse)\s+(?:the\s+|all\s+)?colou?rs?\b|反色|反相|负片|颜色反转|反转颜色|色彩反转/, (c) => {
  c.takeAll(/\b(?:invert|inverted|inverse|negative|flip|reverse|colou?rs?|photo|film)\b|反色|反相|负片|颜色反转|反转颜色|色彩反转|颜色/);
  return { op: 'invert' };
});

const brightness = rule(
  'brightness',
  'brightness',
  'brighter, darker, brightness, exposure, 调亮, 变暗, 亮度, 曝光',
  /\b(?:bright|brighter|brighten|brightness|lighten|lighter|exposure|expose|dark|darker|darken|dim|dimmer|dimmed|underexposed|overexposed)\b|亮|暗|曝光/,
  (c) => {
    const less = c.take(/\bless\b|\bnot\s+(?:so|as)\b|不那么|没那么/);
    const tooDark = c.take(/\btoo\s+(?:dark|dim)\b|太暗|过暗|偏暗|\bunderexposed\b/);
    const tooBright = tooDark ? undefined : c.take(/\btoo\s+bright\b|太亮|过亮|偏亮|过曝|\boverexposed\b/);
    const down = tooDark ? undefined : tooBright ?? c.take(/\b(?:darker|darken|dark|dim|dimmer|dimmed)\b|变暗|调暗|暗一些|暗一点|暗/);
    let dir = tooDark ? 1 : down ? -1 : less ? -1 : c.direction(UP, DOWN);
    if (less && (down || tooDark)) dir = -dir;
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
    const less = c.take(/\bless\b|\bnot\s+(?:so|as)\b|不那么|没那么/);
    const down = c.take(/\b(?:desaturate|desaturated|muted|washed[\s-]*out|dull|duller)\b|淡雅|素雅|暗淡|黯淡/);
    const up = down ? undefined : c.take(/\b(?:saturate|saturated|vivid|vibrant|colou?rful|pop)\b|鲜艳|艳丽|浓郁/);
    const dir = (less ? -1 : 1) * (down ? -1 : up ? 1 : c.direction(UP, DOWN) || 1);
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
    const less = c.take(/\bless\b|\bnot\s+(?:so|as)\b|不那么|没那么/);
    const cool = c.take(/\b(?:cool|cooler|cold|colder|icy)\b|冷/);
    const warm = cool ? undefined : c.take(/\b(?:warm|warmer|warmth)\b|暖/);
    const dir = (less ? -1 : 1) * (cool ? -1 : warm ? 1 : c.direction(UP, DOWN) || 1);
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
  /\b(?:auto[\s-]*enhance|auto[\s-]*(?:levels?|colou?rs?|contrast|tone|fix|correct)|enhance|enhanced|improve|improved|normali[sz]e|fix\s+(?:the\s+)?(?:colou?rs?|exposure|lighting)|better|beautify|retouch|polish)\b|美化|优化|自动增强|一键增强|增强|自动调整|自动修复|修图|润色|改善|画质/,
  (c) => {
    c.takeAll(/\b(?:auto[\s-]*enhance|auto|levels?|colou?rs?|contrast|tone|fix|correct|enhance|enhanced|improve|improved|normali[sz]e|exposure|lighting|better|beautify|retouch|polish|quality|automatically)\b|美化|优化|自动增强|一键增强|增强|自动调整|自动修复|自动|一键|修图|润色|改善|效果|质量|画质/);
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

const sketch = rule('sketch', 'pencil sketch', 'sketch, pencil drawing, line art, painting, 素描, 铅笔画, 线稿, 绘画', /\bsketch(?:ed|y)?\b|\bpencil\b|\bdrawing\b|\bline\s+art\b|\bcharcoal\b|素描|铅笔|线稿|速写|手绘/, (c) => {
  c.takeAll(/\b(?:sketch|sketched|sketchy|pencil|drawing|drawn|line\s+art|charcoal|hand-drawn|like|style)\b|素描|铅笔画|铅笔|线稿|速写|手绘|画/);
  return { op: 'sketch' };
});

// The painting-style words only steer suggestions: "make it a watercolor" is not a cartoon, but
// cartoon and sketch are the closest styles the engine has.
const cartoon = rule('cartoon', 'cartoon', 'cartoon, comic, anime, toon, painting, watercolor, watercolour, painterly, artistic, 卡通, 动漫, 漫画, 油画, 水彩, 艺术', /\bcartoon(?:ish|ize|ise|ified|y)?\b|\bcomic(?:s|\s+book)?\b|\banime\b|\btoon\b|\bcel[\s-]*shad|卡通|动漫|漫画|动画/, (c) => {
  c.takeAll(/\b(?:cartoon(?:ish|ize|ise|ified|y)?|comic(?:s|\s+book)?|anime|toon|cel[\s-]*shad(?:ed|ing)?|like|style|drawing)\b|卡通|动漫|漫画|动画|画/);
  return { op: 'cartoon' };
});

const emboss = rule('emboss', 'emboss', 'emboss, relief, 浮雕', /\bemboss(?:ed)?\b|\brelief\b|浮雕/, (c) => {
  c.takeAll(/\b(?:emboss|embossed|relief|carved|stone)\b|浮雕|石刻/);
  return { op: 'emboss' };
});

const blur = rule('blur', 'blur', 'blur, soften, gaussian blur, out of focus, 模糊, 柔化', /\b(?:blur|blurred|blurry|soften|softened|gaussian|out\s+of\s+focus|defocus|unfocus)\b|模糊|柔化|虚化|朦胧/, (c) => {
  if (c.has(/\b(?:less|not|un|de)[\s-]*blurr?(?:y|ed)?\b|\b(?:deblur|unblur)\b|去模糊|不模糊|不那么模糊/)) return undefined;
  const sigmaM = c.take(/\b(?:radius|sigma|strength)\s*(?:of\s*)?(\d+(?:\.\d+)?)\b|(\d+(?:\.\d+)?)\s*(?:px|pixels?|像素)/) ?? c.take(/(?<![\d⟦])()(\d+(?:\.\d+)?)(?![\d⟧%])/);
  const k = c.intensity();
  c.takeAll(/\b(?:blur|blurred|blurry|soften|softened|gaussian|out\s+of\s+focus|defocus|unfocus|radius|focus)\b|模糊|柔化|虚化|朦胧|半径/);
  const sigma = sigmaM ? clamp(Number(sigmaM[1] || sigmaM[2]), 0.3, 200) : undefined;
  return { op: 'blur', strength: k, sigma };
});

const sharpen = rule('sharpen', 'sharpen', 'sharpen, sharper, crisper, more detail, 锐化, 更清晰', /\bsharp(?:en|er|ness|ened)?\b|\bcrisp(?:er)?\b|\bclarity\b|\bmore\s+detail(?:ed)?\b|\bdetails?\b|\b(?:less|not|un|de)[\s-]*blurr?(?:y|ed)?\b|\b(?:deblur|unblur)\b|锐化|清晰|锐利|细节|去模糊|不模糊|不那么模糊/, (c) => {
  c.takeAll(/\b(?:less|not|un|de)[\s-]*blurr?(?:y|ed)?\b|\b(?:deblur|unblur)\b|去模糊|不模糊|不那么模糊/);
  const k = c.intensity();
  c.takeAll(/\b(?:sharp|sharpen|sharpened|sharper|sharpness|crisp|crisper|clarity|detail|details|detailed)\b|锐化|清晰度|清晰|锐利|细节/);
  return { op: 'sharpen', strength: k };
});

/** Before rotate: "rotate the hue" is a hue shift. */
export const HUE_RULES: readonly Rule[] = [hue];

export const TONE_AND_FILTER_RULES: readonly Rule[] = [
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
