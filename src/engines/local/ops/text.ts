import { WHITE } from '../parser/colours.js';
import { textPipe } from '../steps/text.js';
import { clamp } from './amounts.js';
import { POSITION, colourName, pct } from './words.js';
import { defineOp } from './spec.js';

export default defineOp({
  id: 'text',
  name: 'add text',
  concepts: ['add text', 'caption', 'title', 'write words', 'label', 'stamp a word', '添加文字', '加字', '写上', '标题', '配文'],
  trigger: /⟦q\d+⟧|\b(?:text|caption|title|label|slogan|headline|subtitle|words?)\s*:|(?:文字|标题|字幕|文案|配文)\s*:/,
  parse(c) {
    let body = c.quoted();
    if (body === undefined) {
      const m = c.take(/(?:\b(?:text|caption|title|label|slogan|headline|subtitle|words?)|文字|标题|字幕|文案|配文)\s*:\s*(.+)$/);
      body = m?.[1]?.trim();
    }
    if (body === undefined || body.trim().length === 0) return undefined;
    const colour = c.colour() ?? WHITE;
    const position = c.position() ?? (c.take(/\bacross\s+the\s+(?:image|photo|picture)\b/) ? 'center' : 'bottom');
    let size = 0.08;
    if (c.take(/\b(?:huge|giant|enormous|very\s+large|very\s+big)\b|巨大|超大|特大/)) size = 0.16;
    else if (c.take(/\b(?:large|big|bigger|larger|bold)\b|大号|大字|大/)) size = 0.12;
    else if (c.take(/\b(?:small|smaller|tiny|little)\b|小号|小字|小/)) size = 0.05;
    const px = c.take(/\b(?:size|font\s+size)\s*(\d+)\b|字号\s*(\d+)/);
    if (px) size = clamp(Number(px[1] ?? px[2]) / 1000, 0.02, 0.3);
    c.takeAll(
      /\b(?:add|put|write|place|insert|overlay|caption|captioned|title|label|labell?ed|type|print|stamp|text|saying|says|that\s+says|reading|reads|words?|letters|lettering|font|color|colored|in|with|size|sized|slogan|headline|subtitle|corner|across|along|somewhere|as|this)\b|添加|加上|写上|写下|写|题字|水印|配文|文案|标题|文字|字样|字体|颜色|的字|字|角|大小|打上|印上/,
    );
    return { op: 'text', text: body.slice(0, 200), position, colour, size };
  },
  kinds: {
    text: {
      traits: { changes: ['content'] },
      describe: (op, zh) =>
        zh
          ? `在${POSITION[op.position][1]}添加${colourName(op.colour, true)}文字“${op.text}”，字号为短边的${pct(op.size)}。`
          : `Add the text "${op.text}" ${POSITION[op.position][0]} in ${colourName(op.colour, false)}, ${pct(op.size)} of the shorter side high.`,
      pipe: (op, size) => textPipe(size, op.text, op.position, op.colour, op.size),
    },
  },
  catalogue: {
    title: 'Add text',
    family: 'Text',
    en: [
      'add text "Hello" at the top',
      "add the text 'Tom and Jerry' in red",
      'put small yellow text "v1.0" in the top left',
      'caption: Happy birthday',
      'stamp the word DRAFT in the middle',
      'label this as SOLD',
    ],
    zh: ['在底部添加文字“你好世界”', '在图片中间加上黄色的大字“新年快乐”', '右上角写上「限时优惠」'],
    params:
      'The text goes in quotes ("…", \'…\', “…”, ‘…’, 「…」, 『…』, 《…》; words inside quotes are never parsed), after "text:", or, unquoted, as capitalised words after "the word", "that says", "saying", "label this as", "write" ("stamp the word DRAFT"). Position: top, bottom (default), centre, left, right, the four corners (顶部/底部/中间/左上角…). Colour: any colour name (default white), with a soft contrasting shadow. Size: 8 % of the shorter side (small 5 %, large 12 %, huge 16 %); long text wraps and shrinks to fit. Fonts ship with the project (DejaVu Sans Bold; Noto Sans CJK SC Bold for Chinese), never the system\'s. Changing text that is already in the picture ("change the sign to OPEN") needs a generative model.',
    demo: { prompt: 'add text "Hello 你好" at the top in yellow, large' },
  },
});
