import { rgbOnly } from '../steps/helpers.js';
import * as filters from '../steps/filters.js';
import { defineOp } from './spec.js';

export default defineOp({
  id: 'edges',
  name: 'edges / outline',
  concepts: ['edges', 'outline', 'edge detection', 'contours', 'line art', 'lines only', '轮廓', '线条', '描边', '线稿', '边缘检测'],
  trigger:
    /\bedge\s+detect(?:ion|or)?\b|\b(?:only|just)\s+(?:the\s+)?(?:edges|outlines?|contours?|lines)\b|\b(?:edges|outlines?|contours?)\s+only\b|\boutline\s+(?:drawing|effect|style|filter)\b|\bline[\s-]*art\b|\bfind\s+(?:the\s+)?edges\b|\b(?:white|light|dark|black)\s+(?:lines?|outlines?|edges)\s+on\s+(?:a\s+)?(?:black|white)\b|轮廓线?|线稿|线条画|边缘检测|只(?:保留|留|要|显示)(?:边缘|线条)/,
  parse(c) {
    const light = c.take(/\b(?:white|light)\s+(?:lines?|outlines?|edges?)\s+on\s+(?:a\s+)?black\b|\bneon\b|黑底白线|白色线条/);
    c.take(/\b(?:dark|black)\s+(?:lines?|outlines?|edges?)\s+on\s+(?:a\s+)?white\b|白底黑线/);
    c.takeAll(
      /\b(?:edge\s+detect(?:ion|or)?|line[\s-]*art|edges?|outlines?|contours?|lines?|drawing|only|just|show|find|detect|keep|like|an?|the|style|effect|filter|black|dark)\b|轮廓线条|轮廓线|轮廓|线稿|线条画|线条|边缘检测|边缘|只保留|只留|只要|只显示|保留|显示|只/,
    );
    return { op: 'edges', lines: light ? 'light' : 'dark' };
  },
  kinds: {
    edges: {
      traits: { changes: ['colour', 'content'], idempotent: true },
      describe: (op, zh) =>
        zh
          ? op.lines === 'dark'
            ? '只保留轮廓：白底上的深色边缘线条。'
            : '只保留轮廓：黑底上的亮色边缘线条。'
          : `Keep only the edges: ${op.lines === 'dark' ? 'dark outlines on white' : 'light outlines on black'}.`,
      run: (img, op) => rgbOnly(img, (i) => filters.edges(i, op.lines)),
    },
  },
  catalogue: {
    title: 'Edges / outline',
    family: 'Filters',
    en: ['show only the edges, like an outline drawing', 'edge detection', 'line art', 'white lines on black'],
    zh: ['只保留轮廓线条', '线稿', '边缘检测'],
    params:
      'Sobel gradient magnitude of the lightly smoothed grey image, above a noise floor (three times the median gradient) and normalised to the image\'s own range: dark outlines on white by default, light on black ("white lines on black", "黑底白线").',
    demo: { prompt: 'show only the edges' },
  },
});
