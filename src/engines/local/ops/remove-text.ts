import { models } from '../steps/helpers.js';
import * as ml from '../steps/ml.js';
import { defineOp } from './spec.js';

export default defineOp({
  id: 'remove-text',
  name: 'remove text/watermark',
  concepts: ['remove text', 'remove watermark', 'erase caption', 'delete subtitles', '去水印', '去除文字', '去字幕', '擦掉字'],
  trigger:
    /\b(?:remove|erase|delete|get\s+rid\s+of|clean|clear|strip|wipe)\b.*\b(?:text|texts|watermarks?|captions?|subtitles?|words|letters|logos?|writing|overlays?)\b|\b(?:de-?watermark|unwatermark)\b|去(?:除|掉)?(?:文字|水印|字幕|字|logo)|(?:去除|去掉|删除|删掉|擦除|擦掉|抹掉|消除).*(?:文字|水印|字幕|logo)|(?:文字|水印|字幕|logo|字).*(?:去除|去掉|删除|删掉|擦除|擦掉|抹掉|消除|去)/,
  parse(c) {
    c.take(/\b(?:remove|erase|delete|get\s+rid\s+of|clean|clear|strip|wipe|de-?watermark|unwatermark)\b|去除|去掉|删除|删掉|擦除|擦掉|抹掉|消除|去/);
    c.takeAll(
      /\b(?:overlaid|overlay|overlays|text|texts|watermarks?|captions?|subtitles?|words|letters|logos?|writing|all|any|from|on|printed|written)\b|文字|水印|字幕|logo|字|里面|里|上面|上|都/,
    );
    return { op: 'removeText' };
  },
  kinds: {
    removeText: {
      traits: { changes: ['content'], ml: true, idempotent: true },
      describe: (_op, zh) => (zh ? '去除图上叠加的文字和水印。' : 'Remove overlaid text and watermarks.'),
      run: async (img, _op, ctx) => ml.removeText(img, await models(ctx, 'remove text'), ctx.signal),
    },
  },
  catalogue: {
    title: 'Remove overlaid text / watermarks',
    family: 'With the built-in ML models',
    en: ['remove the watermark', 'remove all text', 'erase the captions', 'erase the text printed on the photo'],
    zh: ['去水印', '去除图片上的文字', '把照片上的字都擦掉'],
    params: 'Text boxes (grown a little) → mask → inpainting from the surrounding pixels.',
    demo: { prompt: 'remove the text', inputs: 'text-on-scene', ml: true },
  },
});
