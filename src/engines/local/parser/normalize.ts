/**
 * Text normalisation before splitting: quoted text is lifted out (so that no splitter or keyword
 * touches it), number words become digits ("ninety" → 90, "九十" → 90, "百分之三十" → 30%),
 * image references become tokens ("the second image", "图2", "第二张图" → ⟦i2⟧), and phrases
 * that contain a chaining word but are one idea ("black and white") are joined.
 */

export interface Normalized {
  /** Lower-cased text with ⟦qN⟧ for quoted strings and ⟦iN⟧ for image references. */
  readonly text: string;
  readonly quotes: readonly string[];
}

const QUOTE_PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['"', '"'],
  ['“', '”'],
  ['‘', '’'],
  ['「', '」'],
  ['『', '』'],
  ['《', '》'],
  ["'", "'"],
];

/** Lifts quoted strings out. A single quote only opens a quote at a word start (not "it's"). */
function liftQuotes(input: string): { text: string; quotes: string[] } {
  const quotes: string[] = [];
  let out = '';
  let i = 0;
  while (i < input.length) {
    const ch = input[i] as string;
    const pair = QUOTE_PAIRS.find(([open]) => open === ch);
    const prev = i > 0 ? (input[i - 1] as string) : ' ';
    const wordStart = ch !== "'" || !/[A-Za-z0-9]/.test(prev);
    if (pair && wordStart) {
      const end = input.indexOf(pair[1], i + 1);
      if (end > i) {
        out += ` ⟦q${quotes.length}⟧ `;
        quotes.push(input.slice(i + 1, end));
        i = end + 1;
        continue;
      }
    }
    out += ch;
    i += 1;
  }
  return { text: out, quotes };
}

const EN_UNITS: Record<string, number> = {
  zero: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
};
const EN_WORD = `(?:${Object.keys(EN_UNITS).join('|')}|hundred)`;
const EN_RUN = new RegExp(`\\b${EN_WORD}(?:(?:[\\s-]+|\\s+and\\s+(?=${EN_WORD}))${EN_WORD})*\\b`, 'g');

function enWordsToNumber(run: string): number {
  let current = 0;
  for (const word of run.split(/[\s-]+/)) {
    if (word === 'and') continue;
    if (word === 'hundred') current = (current || 1) * 100;
    else current += EN_UNITS[word] ?? 0;
  }
  return current;
}

const ZH_DIGITS: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };

/** "一百八十" → 180, "九十" → 90, "十五" → 15, "两" → 2, "三六零" → 360. */
export function zhToNumber(s: string): number | undefined {
  if (!/^[零〇一二两三四五六七八九十百千]+$/.test(s)) return undefined;
  if (!/[十百千]/.test(s)) {
    // Digit by digit ("三六零").
    return Number([...s].map((c) => ZH_DIGITS[c] ?? 0).join(''));
  }
  let total = 0;
  let digit = 0;
  for (const c of s) {
    if (c === '千') {
      total += (digit || 1) * 1000;
      digit = 0;
    } else if (c === '百') {
      total += (digit || 1) * 100;
      digit = 0;
    } else if (c === '十') {
      total += (digit || 1) * 10;
      digit = 0;
    } else {
      digit = ZH_DIGITS[c] ?? 0;
    }
  }
  return total + digit;
}

const ZH_NUM = '[零〇一二两三四五六七八九十百千]+';
const ZH_UNIT = '(?:度|°|倍|张|级|阶|像素|px|%|比|:|：|x|×)';

function normalizeNumbers(text: string): string {
  let t = text;
  // Full-width digits and signs.
  t = t
    .replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/％/g, '%')
    .replace(/：/g, ':');
  t = t.replace(/百分之\s*(\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百]+)/g, (_m, n: string) => `${/\d/.test(n) ? n : zhToNumber(n)}%`);
  t = t.replace(/一半/g, '50%');
  // Numerals with a unit after them, or after 第/图, or multi-character ones (十, 百 inside).
  t = t.replace(new RegExp(`(第|图片?|图像|照片)(${ZH_NUM})`, 'g'), (_m, pre: string, n: string) => `${pre}${zhToNumber(n) ?? n}`);
  t = t.replace(new RegExp(`(${ZH_NUM})(?=\\s*${ZH_UNIT})`, 'g'), (n: string) => String(zhToNumber(n) ?? n));
  t = t.replace(/[零〇一二两三四五六七八九]?十[一二三四五六七八九]?|[一二两三四五六七八九]百(?:[零一二三四五六七八九]?十?[一二三四五六七八九]?)?/g, (n) =>
    String(zhToNumber(n) ?? n),
  );
  t = t.replace(EN_RUN, (run) => String(enWordsToNumber(run)));
  // "20%左右" = about 20 %: the approximation adds nothing.
  t = t.replace(/(?<![\d.图片像第])(\d+(?:\.\d+)?\s*(?:%|度|°|倍|像素|px)?)\s*(?:左右|上下)(?![两侧边拼排])/g, '$1');
  t = t.replace(/\b(?:about|around|approximately|roughly|some)\s+(?=\d)/g, '');
  t = t.replace(/\b(\d+)\s*(?:st|nd|rd|th)\b/g, '$1th');
  return t;
}

const ORDINALS: Record<string, number> = { first: 1, second: 2, third: 3, '1th': 1, '2th': 2, '3th': 3 };
const NOUN_EN = '(?:image|picture|photo|photograph|pic|img|input)';
const NOUN_ZH = '(?:图片|图像|照片|相片|图)';

function normalizeImageRefs(text: string): string {
  let t = text;
  t = t.replace(new RegExp(`\\b(?:the\\s+)?(first|second|third|1th|2th|3th)\\s+(?:one|${NOUN_EN}s?)\\b`, 'g'), (_m, o: string) => ` ⟦i${ORDINALS[o]}⟧ `);
  t = t.replace(new RegExp(`\\b${NOUN_EN}s\\s+(\\d)((?:\\s*,\\s*\\d)*)\\s*(?:and|&|,)\\s*(\\d)\\b`, 'g'), (_m, a: string, mid: string, b: string) => {
    const nums = [a, ...(mid.match(/\d/g) ?? []), b];
    return ` ${nums.map((n) => `⟦i${n}⟧`).join('+')} `;
  });
  t = t.replace(new RegExp(`\\b(?:the\\s+)?${NOUN_EN}\\s*(?:#|no\\.?\\s*|number\\s*)?(\\d)\\b`, 'g'), (_m, n: string) => ` ⟦i${n}⟧ `);
  t = t.replace(new RegExp(`\\b(?:the\\s+)?other\\s+(?:one|${NOUN_EN})\\b`, 'g'), ' ⟦i2⟧ ');
  // "…onto the background of the second": an ordinal alone at the end of a phrase is an image.
  if (/⟦i\d⟧/.test(t)) t = t.replace(/\bthe\s+(first|second|third)\b(?=\s*(?:[.,;!?，。]|$|\s+(?:and|then|one)\b))/g, (_m, o: string) => ` ⟦i${ORDINALS[o]}⟧ `);
  t = t.replace(new RegExp(`\\b(?:(?:both|all|these|those|the|my)\\s+)?(?:\\d\\s+)?(?:the\\s+)?${NOUN_EN}s\\b`, 'g'), (m) =>
    /^(?:both|all|these|those|the|my)\b|^\d/.test(m.trim()) ? ' ⟦iall⟧ ' : m,
  );
  t = t.replace(new RegExp(`第\\s*(\\d)\\s*张${NOUN_ZH}?`, 'g'), (_m, n: string) => ` ⟦i${n}⟧ `);
  t = t.replace(new RegExp(`${NOUN_ZH}\\s*(\\d)`, 'g'), (_m, n: string) => ` ⟦i${n}⟧ `);
  t = t.replace(new RegExp(`另一张${NOUN_ZH}?`, 'g'), ' ⟦i2⟧ ');
  t = t.replace(new RegExp(`(?:两|2|3|三|所有|全部)张${NOUN_ZH}|所有${NOUN_ZH}|这些${NOUN_ZH}`, 'g'), ' ⟦iall⟧ ');
  // "⟦i1⟧ and ⟦i2⟧" is one argument, not two clauses.
  let prev = '';
  while (prev !== t) {
    prev = t;
    t = t.replace(/(⟦i\d⟧)\s*(?:,|，|、|\band\b|&|和|与|跟|以及|及)\s*(⟦i\d⟧)/g, '$1+$2');
  }
  return t;
}

/** Phrases with a chaining word inside that are one idea. */
const JOINED: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bblack[\s-]*(?:and|&|\/|n|-)[\s-]*white\b/g, 'black_and_white'],
  [/\bb\s*&\s*w\b/g, 'black_and_white'],
  [/\bsalt\s+and\s+pepper\b/g, 'salt_and_pepper'],
  [/\btop\s+and\s+bottom\b/g, 'top_and_bottom'],
  [/\bleft\s+and\s+right\b/g, 'left_and_right'],
  [/\bcut\s+and\s+paste\b/g, 'cut_and_paste'],
  [/\bcopy\s+and\s+paste\b/g, 'cut_and_paste'],
  [/\bside\s*-\s*by\s*-\s*side\b/g, 'side by side'],
  [/\bhorizontally\s+and\s+vertically\b|\bvertically\s+and\s+horizontally\b/g, 'horizontally_and_vertically'],
  [/\bhalf\s+and\s+half\b/g, 'half_and_half'],
  // "放大两倍，提高清晰度": enlarging for more detail is super-resolution.
  [/(放大\s*\S{0,3}?倍)\s*[,，]?\s*(?:并且?|同时|再)?\s*(?:提高|提升|增加|增强)(?:一下)?清晰度/g, '$1高清'],
];

/**
 * British → American spellings, so that every vocabulary pattern needs one spelling only
 * ("colour" → "color", "grey" → "gray", "centre" → "center", "-ise" → "-ize"). Messages quote the
 * user's own words (see parser/quote.ts), never these.
 */
const SPELLING: ReadonlyArray<readonly [RegExp, string]> = [
  [/\b(water)?colour/g, '$1color'],
  [/\bgrey(?=s?\b|ish\b|scale|ed\b|er\b|est\b)/g, 'gray'],
  [/\bcentre(s)?\b/g, 'center$1'],
  [/\bcentr(ed|ing)\b/g, 'center$1'],
  [
    /\b(normal|styl|pixel|anonym|optim|emphas|real|poster|cartoon|vector|colori|desatur|random|neutral|stabil|sharpen|minim|maxim|visual|custom|categor|harmon|summar|organ)is(e|ed|es|ing|ation)\b/g,
    '$1iz$2',
  ],
  [/\bcolouri[sz]/g, 'coloriz'],
  [/\b(fav|hum|flav|harb|behavi|neighb)our/g, '$1or'],
  [/\b(lust|met|theat|fib)re\b/g, '$1er'],
];

export function foldSpelling(text: string): string {
  let t = text;
  for (const [re, to] of SPELLING) t = t.replace(re, to);
  return t;
}

/**
 * Unquoted text to write: capitalised words after "the word(s)", "that says", "saying", "reading",
 * "label it/this as", "write" ("Stamp the word DRAFT in the middle") are lifted like quoted text,
 * keeping the user's case.
 */
const UNQUOTED_TEXT =
  /\b((?:the\s+)?words?|(?:that\s+)?says?|saying|reading|reads|label(?:led|ed)?(?:\s+(?:it|this|them))?(?:\s+as)?|write|stamp|print|caption(?:ed)?)\s+((?:[A-Z0-9][\w!?&'.-]*)(?:\s+[A-Z0-9][\w!?&'.-]*)*)/g;

function liftUnquoted(text: string, quotes: string[]): string {
  return text.replace(UNQUOTED_TEXT, (m, lead: string, run: string) => {
    // The text ends with its sentence: "label this as SOLD. Keep the rest" writes "SOLD".
    const end = /[.!?](?=\s)/.exec(run);
    const words = end ? run.slice(0, end.index) : run;
    const rest = end ? run.slice(end.index) : '';
    // Ordinary capitalised sentence starts ("Write It ...") are rare; image references are not text.
    if (/^(?:Image|Picture|Photo|It|This|The|A|An|In|On|At)\b/.test(words) || !/[A-Z]{2}|^[A-Z][a-z]/.test(words)) return m;
    quotes.push(words);
    return `${lead} ⟦q${quotes.length - 1}⟧${rest}`;
  });
}

export function normalize(prompt: string): Normalized {
  const lifted = liftQuotes(prompt);
  const quotes = lifted.quotes;
  const text = liftUnquoted(lifted.text, quotes);
  // NFKC folds full-width digits, commas and signs ("９０％" → "90%", "，" → ",").
  let t = foldSpelling(text.normalize('NFKC').toLowerCase());
  for (const [re, to] of JOINED) t = t.replace(re, to);
  // "de-saturate", "un-crop": one word, or the prefix that reverses the verb is lost to the splitter.
  t = t.replace(/\b(un|de)-(?=[a-z])/g, '$1');
  // A closing "please" without a comma ("… of the second please.") is politeness, not part of
  // the operation's last words.
  t = t.replace(/\s+(?:please|pls|thanks|thank\s+you)\s*([.!?]*)\s*$/g, '$1');
  t = normalizeNumbers(t);
  t = normalizeImageRefs(t);
  // "remove the background and replace it with white" is one replacement.
  t = t.replace(
    /\b(?:remove|delete|erase|cut\s+out)\s+(?:the\s+)?(?:background|bg)\s*,?\s*(?:and\s+|then\s+|and\s+then\s+)?(?:replace|fill)\s+it\s+with\b/g,
    'replace the background with',
  );
  t = t.replace(/(?:去掉|去除|删除|删掉|抠掉)(?:原来的|原)?背景\s*[,，]?\s*(?:并且?|然后|再)?\s*(?:换成|替换成|替换为|改成|改为|填充)/g, '背景换成');
  // A leading "first," ("first rotate, then …") is only a chaining word.
  t = t.replace(/(^|[,;.，；。]\s*)first\b/g, '$1');
  return { text: t, quotes };
}
