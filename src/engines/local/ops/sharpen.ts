import * as filters from '../steps/filters.js';
import { strengthEn, strengthZh } from './words.js';
import { BLURRY, LESS_BLUR } from './blur.js';
import { defineOp } from './spec.js';

export default defineOp({
  id: 'sharpen',
  name: 'sharpen',
  concepts: ['sharpen', 'sharper', 'crisper', 'more detail', 'clarity', 'less blurry', '锐化', '更清晰', '细节'],
  trigger: new RegExp(
    `${BLURRY.source}|${LESS_BLUR.source}|修清楚|变清楚|清楚|${/\bsharp(?:en|er|ness|ened)?\b|\bcrisp(?:er|y)?\b|\bclarity\b|\bclearer\b|\bmore\s+detail(?:ed)?\b|\bdetails?\b|\b(?:less|not|un|de)[\s-]*blurr?(?:y|ed)?\b|\b(?:deblur|unblur)\b|锐化|清晰|锐利|细节|去模糊|不模糊|不那么模糊/.source}`,
  ),
  parse(c) {
    // "Make it less sharp", "降低清晰度": less of it is not sharpening.
    if (
      c.has(
        /\b(?:less|reduce|decrease|lower|lessen|minimi[sz]e)\s+(?:the\s+)?(?:sharp\w*|crisp\w*|clarity|clear\w*|details?)\b|(?:减少|降低|减弱|减轻)(?:的)?(?:锐度|锐化|清晰度|清晰|细节)|(?:不|没)(?:要)?那么(?:清晰|锐利)/,
      )
    ) {
      return undefined;
    }
    c.takeAll(LESS_BLUR);
    c.takeAll(BLURRY);
    c.takeAll(/\b(?:blurry|blurred|fix|it|soft)\b|修清楚|变清楚|清楚|修|糊/);
    c.takeAll(/\b(?:less|not|un|de)[\s-]*blurr?(?:y|ed)?\b|\b(?:deblur|unblur)\b|去模糊|不模糊|不那么模糊/);
    const k = c.intensity();
    c.takeAll(
      /\b(?:sharp|sharpen|sharpened|sharper|sharpness|crisp|crisper|crispy|clarity|clearer|clear|detail|details|detailed)\b|锐化|清晰度|清晰|锐利|细节/,
    );
    return { op: 'sharpen', strength: k };
  },
  kinds: {
    sharpen: {
      traits: { changes: ['content'] },
      describe: (op, zh) => (zh ? `${strengthZh(op.strength)}锐化图像。` : `Sharpen the image${strengthEn(op.strength)}.`),
      pipe: (op, size) => filters.sharpen(size, op.strength),
    },
  },
  catalogue: {
    title: 'Sharpen',
    family: 'Filters',
    en: ['sharpen', 'make it sharper', 'sharpen a lot', 'make it crisper'],
    zh: ['锐化', '让图片更清晰', '让画面更锐利清晰'],
    params: 'Unsharp mask (libvips `sharpen`), σ 1.2 (0.7 slight, 2 strong).',
    demo: { prompt: 'sharpen a lot' },
  },
});
