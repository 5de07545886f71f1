import * as filters from '../steps/filters.js';
import { clamp } from './amounts.js';
import { strengthEn, strengthZh } from './words.js';
import { defineOp } from './spec.js';

/** "The photo is blurry", "太模糊了": says what is wrong, which sharpening fixes. */
export const BLURRY =
  /\b(?:is|are|looks?|too|so|very|a\s+bit|slightly|bit)\s+(?:blurry|blurred|out\s+of\s+focus|soft)\b|\bblurry\s+(?:photo|image|picture|shot)\b|(?:太|有点|有些|好|比较|很)(?:模)?糊|模糊了|不(?:够)?清(?:晰|楚)/;

/** "Reduce the blur", "减少模糊": less blur is sharpening (sharpen.ts), not a blur. */
export const LESS_BLUR = /\b(?:reduce|decrease|lower|lessen|minimi[sz]e)\s+(?:the\s+)?blurr?\w*|(?:减少|降低|减弱|减轻)模糊/;

export default defineOp({
  id: 'blur',
  name: 'blur',
  concepts: ['blur', 'soften', 'gaussian blur', 'out of focus', 'dreamy soft focus', '模糊', '柔化', '虚化'],
  trigger: /\b(?:blur|blurred|blurry|soften|softened|gaussian|out\s+of\s+focus|defocus|unfocus)\b|模糊|柔化|虚化|朦胧/,
  parse(c) {
    if (c.has(/\b(?:less|not|un|de)[\s-]*blurr?(?:y|ed)?\b|\b(?:deblur|unblur)\b|去模糊|不模糊|不那么模糊/) || c.has(BLURRY) || c.has(LESS_BLUR))
      return undefined;
    const k = c.intensity();
    const sigmaM =
      c.take(/\b(?:radius|sigma|strength)\s*(?:of\s*)?(\d+(?:\.\d+)?)\b|(\d+(?:\.\d+)?)\s*(?:px|pixels?|像素)/) ??
      c.take(/(?<![\d⟦])()(\d+(?:\.\d+)?)(?![\d⟧%])/);
    c.takeAll(/\b(?:blur|blurred|blurry|soften|softened|gaussian|out\s+of\s+focus|defocus|unfocus|radius|focus)\b|模糊|柔化|虚化|朦胧|半径/);
    const sigma = sigmaM ? clamp(Number(sigmaM[1] || sigmaM[2]), 0.3, 200) : undefined;
    return { op: 'blur', strength: k, sigma };
  },
  kinds: {
    blur: {
      traits: { changes: ['content'] },
      describe: (op, zh) =>
        op.sigma !== undefined
          ? zh
            ? `模糊图像（半径${op.sigma}像素）。`
            : `Blur the image (radius ${op.sigma} px).`
          : zh
            ? `${strengthZh(op.strength)}模糊图像。`
            : `Blur the image${strengthEn(op.strength)}.`,
      pipe: (op, size) => filters.blur(size, op.strength, op.sigma),
    },
  },
  catalogue: {
    title: 'Blur',
    family: 'Filters',
    en: ['blur', 'blur the image slightly', 'heavy blur', 'gaussian blur radius 8', 'soften the whole image with a gentle blur'],
    zh: ['模糊', '轻微模糊', '整体稍微模糊一点'],
    params: 'Gaussian; σ = 0.6 % of the shorter side (×0.5 slightly/gentle, ×2 heavy) or the radius given in pixels.',
    demo: { prompt: 'blur' },
  },
});
