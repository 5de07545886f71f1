/**
 * What is left of a clause once an operation took its words, judged word by word with real
 * language tools: `compromise` tags English words (part of speech, lemma: "colors" → "color"),
 * `@node-rs/jieba` segments and tags Chinese. Fillers and describing words (adjectives, adverbs)
 * pass; a noun that points at something in the picture ("the sky", "her coat", "背景里的路人") is
 * an object (the request needs a generative model); any other word is not understood.
 */
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
import { nlp } from './nlp.js';
import { type Clause, FILLER_EN, isZhFiller } from './clause.js';
import { COLOUR_RE } from './colours.js';

export interface Judgement {
  /** Things in the picture the clause points at. */
  readonly objects: readonly string[];
  /** Words that are neither filler nor understood. */
  readonly unknown: readonly string[];
}

/** Nouns that name the picture or its look, not a thing in it. */
const HARMLESS_NOUNS_EN = new Set(
  `image picture photo photograph pic shot snapshot selfie portrait img look feel vibe mood effect style tone touch bit way amount
  version quality result everything thing things one kind sort lot tad degree percent level levels side sides area whole overall
  output input edit edits filter filters finish appearance aesthetic texture detail details color colors light lighting
  please thanks privacy time`.split(/\s+/),
);
const HARMLESS_VERBS_EN = new Set(
  `be is are was were been being look looks looking seem seems feel feels make makes made let get gets give gives do does want
  need like love help try turn keep go see appear become becomes apply use have has would could can will should may might must
  transfer transform render convert process switch stylize create produce edit adjust modify alter tweak take taken shoot shot
  capture captured`.split(/\s+/),
);
/**
 * Words that change what the rest of the clause means (how often, which way, which images): an
 * operation that did not take them would do something else ("rotate 90 degrees twice" once,
 * "rotate back" forwards, "except image 2" on image 2 only), so they are never passed over.
 */
const MEANING_EN = new Set(['back', 'twice', 'thrice', 'except', 'excluding', 'besides']);
const MEANING_ZH = /两次|二次|三次|四次|几次|多次|除了|除去|^除$|以外|之外|回来|回去/;
const DEFINITE = new Set(['the', 'this', 'that', 'these', 'those', 'her', 'his', 'their', 'its', 'my', 'your', 'our', "everyone's", "people's"]);
const ADDING = /\b(?:add|put|place|insert|draw|paint|give|include|attach|append|replace|swap|change|turn|remove|erase|delete|move)\b/;

const HARMLESS_NOUNS_ZH = new Set(
  '图 图片 图像 照片 相片 画面 效果 感觉 风格 样子 部分 东西 整体 质感 氛围 视觉 色彩 颜色 色调 地方 一下 整个 全图 全部 原图 画质 细节 照 张 样 点 些'.split(
    ' ',
  ),
);
const HARMLESS_VERBS_ZH = new Set(
  '做出 做出来 弄出 营造 呈现 保持 显得 看起来 感觉 处理 弄 搞 整 帮 想 要 希望 需要 可以 能 会 让 使 做 变 成为 看 有 是'.split(' '),
);

/** Characters of a clause given to the language tools. */
const ANALYSED = 400;

let jieba: Jieba | undefined;
function zhTokens(text: string): { word: string; tag: string; start: number }[] {
  jieba ??= Jieba.withDict(dict);
  let at = 0;
  const out: { word: string; tag: string; start: number }[] = [];
  for (const t of jieba.tag(text.slice(0, ANALYSED), true)) {
    const start = text.indexOf(t.word, at);
    if (start < 0) continue;
    out.push({ word: t.word, tag: t.tag, start });
    at = start + t.word.length;
  }
  return out;
}

/** True when no character of text[start, start+length) was taken (the work string is ` ${text} `). */
function untaken(c: Clause, work: string, start: number, length: number): boolean {
  return work.slice(start + 1, start + 1 + length) === c.text.slice(start, start + length);
}

function judgeEnglish(c: Clause, work: string): Judgement {
  const objects: string[] = [];
  const unknown: string[] = [];
  const doc = nlp(c.text.slice(0, ANALYSED));
  doc.compute('root');
  const adding = ADDING.test(c.text);
  const simile = /\blike\s+an?\b/.test(c.text);
  for (const sentence of doc.json({ offset: true }) as {
    terms: { text: string; normal: string; root?: string; tags: string[]; offset: { start: number; length: number } }[];
  }[]) {
    let prev = '';
    for (const t of sentence.terms) {
      const word = t.normal;
      const taken = !untaken(c, work, t.offset.start, t.offset.length) || /[⟦⟧]/.test(t.text);
      const before = prev;
      if (!t.tags.includes('Adjective')) prev = word;
      if (taken || word === '') continue;
      if (MEANING_EN.has(word)) {
        unknown.push(word);
        continue;
      }
      const lemma = t.root ?? word;
      if (FILLER_EN.has(word) || FILLER_EN.has(lemma)) continue;
      const tags = new Set(t.tags);
      if (tags.has('Pronoun') || tags.has('Determiner') || tags.has('Preposition') || tags.has('Conjunction') || tags.has('Possessive')) continue;
      if (tags.has('Noun') && !tags.has('Gerund')) {
        if (HARMLESS_NOUNS_EN.has(lemma) || HARMLESS_NOUNS_EN.has(word)) continue;
        // "remove" tagged as a noun ("remove black and white") is the verb, not a thing in the picture.
        if (ADDING.test(word)) {
          unknown.push(word);
          continue;
        }
        // "look like a vintage postcard": the thing of a simile is not in the picture.
        if ((before === 'a' || before === 'an') && simile) continue;
        if (DEFINITE.has(before) || adding) objects.push(word);
        else unknown.push(word);
        continue;
      }
      if (tags.has('Verb')) {
        if (!HARMLESS_VERBS_EN.has(lemma) && !HARMLESS_VERBS_EN.has(word)) unknown.push(word);
        continue;
      }
      if (tags.has('Adjective') || tags.has('Adverb') || tags.has('Expression')) continue;
      unknown.push(word);
    }
  }
  return { objects, unknown };
}

/** The object of a 把 construction ("把花变成红色" → 花): a thing in the picture. */
const BA = /[把将](.{1,8}?)(?:变成|换成|改成|调成|染成|弄成|变为|换为|改为|变|换|改|去掉|去除|删除|删掉|移除|调)/;

function judgeChinese(c: Clause, work: string): Judgement {
  const objects: string[] = [];
  const unknown: string[] = [];
  const ba = BA.exec(c.text);
  const baStart = ba ? ba.index + 1 : -1;
  const baEnd = ba ? baStart + (ba[1] as string).length : -1;
  for (const t of zhTokens(c.text)) {
    if (!untaken(c, work, t.start, t.word.length) || /[⟦⟧\s]/.test(t.word) || /^[\p{P}\p{S}]+$/u.test(t.word)) continue;
    if (MEANING_ZH.test(t.word)) {
      unknown.push(t.word);
      continue;
    }
    if (isZhFiller(t.word)) continue;
    if (t.start >= baStart && t.start < baEnd && !HARMLESS_NOUNS_ZH.has(t.word) && !/^[\d⟦]/.test(t.word)) {
      objects.push(t.word);
      continue;
    }
    if (t.tag === 'eng') {
      if (!FILLER_EN.has(t.word.toLowerCase())) unknown.push(t.word);
      continue;
    }
    // Nouns, places and (multi-character) localities ("左右两边") point at a part of the picture.
    if (/^n/.test(t.tag) || t.tag === 's' || (t.tag === 'f' && t.word.length > 1)) {
      if (!HARMLESS_NOUNS_ZH.has(t.word)) objects.push(t.word);
      continue;
    }
    if (/^v/.test(t.tag)) {
      if (!HARMLESS_VERBS_ZH.has(t.word)) unknown.push(t.word);
      continue;
    }
    if (t.tag === 'm' && /\d/.test(t.word)) unknown.push(t.word);
  }
  return { objects, unknown };
}

/** Judges the words the operation did not take. */
export function judgeLeftover(c: Clause): Judgement {
  const rest = c.leftover();
  if (rest === '') return { objects: [], unknown: [] };
  const work = c.remaining;
  const judged = /[\u3400-\u9fff]/.test(c.text) ? judgeChinese(c, work) : judgeEnglish(c, work);
  // A colour the operation did not use is a parameter it would ignore.
  const colour = COLOUR_RE.exec(work.replace(/⟦[^⟧]*⟧/g, ' '));
  return colour ? { objects: judged.objects, unknown: [...judged.unknown, colour[1] as string] } : judged;
}

/** Object nouns of a clause no operation understood ("add a party hat on the dog" → hat, dog). */
export function objectsIn(text: string): string[] {
  if (/[\u3400-\u9fff]/.test(text))
    return zhTokens(text)
      .filter((t) => /^n/.test(t.tag) && !HARMLESS_NOUNS_ZH.has(t.word) && !isZhFiller(t.word))
      .map((t) => t.word);
  // Language analysis is bounded: real clauses are short, and an adversarial one must stay cheap.
  const doc = nlp(text.slice(0, ANALYSED));
  doc.compute('root');
  return (doc.json() as { terms: { normal: string; root?: string; tags: string[] }[] }[])
    .flatMap((n) => n.terms)
    .filter((t) => t.tags.includes('Noun') && !t.tags.includes('Pronoun') && !HARMLESS_NOUNS_EN.has(t.root ?? t.normal) && !FILLER_EN.has(t.normal))
    .map((t) => t.normal);
}

/** True when an unparsed clause plainly asks to change something in the picture (a verb and an object). */
export function asksToChange(text: string): boolean {
  if (/[\u3400-\u9fff]/.test(text)) {
    return /加|添|放|画|换|改|变|去掉|去除|删|移除|擦|让|把|给|替换|变成|穿|戴|拿|P掉|p掉|抹/.test(text) && objectsIn(text).length > 0;
  }
  return (
    /\b(?:add|put|place|insert|draw|paint|give|replace|swap|change|turn|make|remove|erase|delete|move|have|let|dress|fill|get\s+rid\s+of|take\s+out|bring|show)\b/.test(
      text,
    ) && objectsIn(text).length > 0
  );
}
