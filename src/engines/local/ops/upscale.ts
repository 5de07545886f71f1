import { models } from '../steps/helpers.js';
import * as ml from '../steps/ml.js';
import { defineOp } from './spec.js';

export default defineOp({
  id: 'upscale',
  name: 'upscale (super-resolution)',
  concepts: ['upscale', 'super resolution', 'increase resolution', 'higher resolution', 'enlarge with detail', '超分', '高清', '提高分辨率', '无损放大'],
  trigger:
    /\b(?:upscale|upscaled|upscaling|upsample|super[\s-]*res(?:olution)?|hd|high[\s-]*definition|high[\s-]*res(?:olution)?|higher\s+resolution|4k)\b|(?:increase|improve|boost|enhance|raise|double)\s+(?:the\s+)?resolution|\bresolution\b.*\d\s*x\b|超分|超分辨率|分辨率|高清|无损放大/,
  parse(c) {
    const m = c.multiplier();
    c.takeAll(
      /\b(?:upscale|upscaled|upscaling|upsample|super[\s-]*res(?:olution)?|hd|high[\s-]*definition|high[\s-]*res(?:olution)?|higher|resolution|increase|improve|boost|enhance|raise|double|4k|quality|to|the)\b|超分辨率|超分|分辨率|高清|无损放大|放大|画质|清晰度|清晰|提高|提升/,
    );
    const factor = m !== undefined && m >= 3 ? 4 : 2;
    return { op: 'upscale', factor };
  },
  kinds: {
    upscale: {
      traits: { changes: ['geometry'], ml: true, sizing: true },
      describe: (op, zh) => (zh ? `将图像超分辨率放大${op.factor}倍。` : `Upscale the image ${op.factor}× (super-resolution).`),
      run: async (img, op, ctx) => ml.upscale(img, await models(ctx, 'upscale'), ctx.signal, op.factor),
    },
  },
  catalogue: {
    title: 'Super-resolution 2× / 4×',
    family: 'With the built-in ML models',
    en: ['upscale', 'upscale 4x', 'increase the resolution', 'upscale this to twice the resolution'],
    zh: ['超分辨率放大两倍', '高清放大4倍', '放大两倍，提高清晰度'],
    params:
      'ESRGAN; 2× unless 3× or more is asked (then 4×). The result is returned at that size (an instruction-stated size, see Resize). Refused if the result would pass 25 megapixels. (Picture: a 192×128 input; both sides shown at the same height, the left one enlarged by the thumbnail resize.)',
    demo: { prompt: 'upscale 4x', inputs: 'small-scene', ml: true },
  },
});
