import * as geometry from '../steps/geometry.js';
import { defineOp } from './spec.js';

export default defineOp({
  id: 'trim',
  name: 'trim margins',
  concepts: ['trim margins', 'remove white border', 'auto crop', 'empty margins', 'whitespace', '去白边', '裁掉空白', '多余的白边'],
  trigger:
    /\btrim\b|\bauto[\s-]*crop\b|\b(?:remove|cut|crop|strip|delete)\b.*\b(?:margins?|borders?|whitespace|white\s+space|blank|empty\s+space|padding|letterbox(?:ing)?|black\s+bars?)\b|去(?:除|掉)?(?:多余的?)?(?:白边|黑边|空白|边框|边缘空白)|裁(?:掉|去)?(?:多余的?)?(?:空白|白边|黑边)|切(?:掉|除)?(?:白边|黑边)/,
  parse(c) {
    c.takeAll(
      /\b(?:trim|trimmed|auto[\s-]*crop|remove|cut|crop|strip|delete|off|margins?|borders?|whitespace|white\s+space|blank|empty\s+space|empty|padding|letterbox(?:ing)?|black\s+bars?|white|black|plain|around|surrounding|extra|unnecessary)\b|去除|去掉|去|裁掉|裁去|裁|切掉|切除|切|白边|黑边|空白|边框|边缘|四周|多余/,
    );
    c.colour();
    return { op: 'trim' };
  },
  kinds: {
    trim: {
      traits: { changes: ['geometry'], idempotent: true },
      describe: (_op, zh) => (zh ? '裁掉图像四周的空白边缘。' : 'Trim the plain margins around the image.'),
      run: (img) => geometry.trim(img),
    },
  },
  catalogue: {
    title: 'Trim margins',
    family: 'Geometry',
    en: ['trim the white margins', 'remove the white border', 'auto crop', 'trim the empty margins'],
    zh: ['去白边', '裁掉空白', '去掉多余的白边'],
    params: 'Removes plain-coloured margins (libvips `find_trim`, threshold 12); a plain image is left as is.',
    demo: { prompt: 'trim the margins', inputs: 'scene' },
  },
});
