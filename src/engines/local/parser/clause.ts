/**
 * A clause being parsed. Operation modules `take` the words they understand (keywords, numbers,
 * colours, positions); what is left is judged by parser/leftover.ts: filler and harmless
 * describing words pass, a named object or an unknown verb fails the clause.
 */
import type { Colour, Position } from '../plan.js';
import { COLOUR_RE, colourFromName } from './colours.js';

export class Clause {
  /** Normalised text; taken parts are blanked out. */
  private work: string;

  /** The amount word's factor, read from the whole clause before any word is taken. */
  private readonly amount: number;

  constructor(
    readonly text: string,
    readonly quotes: readonly string[],
  ) {
    this.work = ` ${text} `;
    this.amount = SLIGHT.test(this.work) ? 0.5 : STRONG.test(this.work) ? 2 : 1;
  }

  /** The clause with taken parts blanked (same length as ` ${text} `). */
  get remaining(): string {
    return this.work;
  }

  has(re: RegExp): boolean {
    return re.test(this.work);
  }

  /** Matches `re` and blanks the match; returns the match. */
  take(re: RegExp): RegExpExecArray | undefined {
    const m = re.exec(this.work);
    if (!m) return undefined;
    this.work = this.work.slice(0, m.index) + ' '.repeat(m[0].length) + this.work.slice(m.index + m[0].length);
    return m;
  }

  takeAll(re: RegExp): RegExpExecArray[] {
    const out: RegExpExecArray[] = [];
    for (let m = this.take(re); m; m = this.take(re)) out.push(m);
    return out;
  }

  /** What is left once fillers are removed: empty when the whole clause was understood. */
  leftover(): string {
    let t = this.work.replace(/⟦q(\d+)⟧/g, (_m, n: string) => ` "${this.quotes[Number(n)] ?? ''}" `).replace(/⟦i(\d|all)⟧/g, (_m, n: string) => ` image${n} `);
    for (const re of FILLER_ZH) t = t.replace(re, ' ');
    return t
      .split(/[\s,.;:!?()\[\]\-+*/=%°#~]+/)
      .filter((w) => w.length > 0 && !FILLER_EN.has(w))
      .join(' ')
      .trim();
  }

  /** Unconsumed image references ("rotate image 2"): the image an operation applies to. */
  target(): number | 'all' | undefined {
    if (this.take(/⟦iall⟧/)) return 'all';
    const m = this.take(/⟦i(\d)⟧/);
    return m ? Number(m[1]) : undefined;
  }

  // Parameters ---------------------------------------------------------------------------

  percent(): number | undefined {
    const m = this.take(/(-?\d+(?:\.\d+)?)\s*(?:%|percent\b|per\s*cent\b)/);
    return m ? Number(m[1]) / 100 : undefined;
  }

  degrees(): number | undefined {
    const m = this.take(/(-?\d+(?:\.\d+)?)\s*(?:°|degrees?\b|deg\b|度)/);
    return m ? Number(m[1]) : undefined;
  }

  multiplier(): number | undefined {
    const m = this.take(/(\d+(?:\.\d+)?)\s*(?:x\b|×|times\b|倍|fold\b)/);
    if (m) return Number(m[1]);
    if (this.take(/\b(?:twice|double|doubled)\b|翻倍|加倍/)) return 2;
    if (this.take(/\b(?:triple|tripled|thrice)\b/)) return 3;
    if (this.take(/\b(?:quadruple|quadrupled)\b/)) return 4;
    if (this.take(/\bhalf\b|减半|一半/)) return 0.5;
    return undefined;
  }

  number(): number | undefined {
    const m = this.take(/(?<![\d⟦iq])(-?\d+(?:\.\d+)?)(?![\d⟧])/);
    return m ? Number(m[1]) : undefined;
  }

  pixels(): number | undefined {
    const m = this.take(/(\d+)\s*(?:px\b|pixels?\b|像素)/);
    return m ? Number(m[1]) : undefined;
  }

  /** 0.5 for "slightly", 2 for "a lot", 1 otherwise (see ops/amounts.ts); takes the amount words. */
  intensity(): number {
    this.takeAll(SLIGHT_G);
    this.takeAll(STRONG_G);
    return this.amount;
  }

  /** "a quarter" → 0.25, "a third", "a tenth", "四分之一". */
  fraction(): number | undefined {
    const m = this.take(/\b(?:a|one)\s+(quarter|third|fifth|tenth|half)\b|(?:(\d)\s*分之\s*(\d))/);
    if (!m) return undefined;
    if (m[2] && m[3]) return Number(m[3]) / Number(m[2]);
    return { quarter: 0.25, third: 0.33, fifth: 0.2, tenth: 0.1, half: 0.5 }[m[1] as 'quarter'];
  }

  /** Direction: +1 up, -1 down, 0 when neither is said. */
  direction(up: RegExp, down: RegExp): number {
    if (this.take(down)) return -1;
    if (this.take(up)) return 1;
    return 0;
  }

  colour(): Colour | undefined {
    const m = this.take(COLOUR_RE);
    return m ? colourFromName(m[1] as string) : undefined;
  }

  position(): Position | undefined {
    for (const [re, pos] of POSITIONS) if (this.take(re)) return pos;
    return undefined;
  }

  /** Image references in order; "all" → []. */
  images(): number[] | 'all' | undefined {
    const all = this.take(/⟦iall⟧/);
    const refs = this.takeAll(/⟦i(\d)⟧/).map((m) => Number(m[1]));
    this.takeAll(/\+/);
    if (refs.length > 0) return refs;
    return all ? 'all' : undefined;
  }

  quoted(): string | undefined {
    const m = this.take(/⟦q(\d+)⟧/);
    return m ? this.quotes[Number(m[1])] : undefined;
  }
}

const SLIGHT_WORDS =
  '\\b(?:slightly|slight|a\\s+bit|a\\s+little(?:\\s+bit)?|a\\s+touch|subtle|subtly|gently|gentle|lightly|mild|mildly|soft|softly|somewhat|a\\s+tad|barely)\\b|轻微|稍微|稍稍|略微|微微|一点点|一点|一些|一丢丢|轻度|少许|淡淡|柔和|细细|浅浅|有点|些许|稍';
const STRONG_WORDS =
  '\\b(?:much|a\\s+lot|lots|very|strongly|strong|heavily|heavy|significantly|greatly|extremely|really|way|intense|intensely|dramatically|hard|considerably|substantially|drastically)\\b|大幅|明显|非常|强烈|大大|很多|重度|极|特别|十分|很|狠狠';
const SLIGHT = new RegExp(SLIGHT_WORDS);
const STRONG = new RegExp(STRONG_WORDS);
const SLIGHT_G = new RegExp(SLIGHT_WORDS);
const STRONG_G = new RegExp(STRONG_WORDS);

const POSITIONS: ReadonlyArray<readonly [RegExp, Position]> = [
  [/\b(?:top|upper)[\s-]*left(?:\s+corner)?\b|左上角?/, 'top-left'],
  [/\b(?:top|upper)[\s-]*right(?:\s+corner)?\b|右上角?/, 'top-right'],
  [/\b(?:bottom|lower)[\s-]*left(?:\s+corner)?\b|左下角?/, 'bottom-left'],
  [/\b(?:bottom|lower)[\s-]*right(?:\s+corner)?\b|右下角?/, 'bottom-right'],
  [/\b(?:cent(?:er|re)|middle)\b|正中间|正中央|中间|中央|中心|正中/, 'center'],
  [/\b(?:top|upper\s+part|upper\s+side)\b|顶部|顶端|上方|上面|上部|上边|顶上/, 'top'],
  [/\b(?:bottom|lower\s+part|lower\s+side|footer)\b|底部|底端|下方|下面|下部|下边|底下/, 'bottom'],
  [/\bleft(?:\s+side)?\b|左边|左侧|左面|左方/, 'left'],
  [/\bright(?:\s+side)?\b|右边|右侧|右面|右方/, 'right'],
];

/** Words that carry no operation of their own. */
export const FILLER_EN: ReadonlySet<string> = new Set(
  `a an the this that these those it its it's is are be been being was please pls kindly can could would will you your me my i we
  want wanna need needs like love to make makes made let get set change adjust apply applies add give do turn into onto as by of in
  on at for with from up down more less much bit little slightly slight very lot really quite somewhat some just now also so too
  look looks looking effect effects filter filters style styled mode tone toned version whole entire overall all over amount
  level levels strength intensity degree degrees deg percent per cent pixels pixel px times x and then bit using use via same way
  photo picture image images pic photograph img result output edit edited new nice good nicely well overall abit kind sort
  increase decrease reduce raise lower boost higher enhance increased decreased reduced boosted tiny small around about approximately
  roughly it's its is was are too image's picture's photo's everything whole total first finally
  next lastly afterwards after our their them one i'd i'm i'll we'd could would mind thanks thank cheers ok okay hi hello hey just ish completely fully totally entirely exactly everything whole slightly somewhat rather pretty fairly up out off away`
    .split(/\s+/)
    .filter((w) => w.length > 0),
);

/** Chinese fillers, longest first (removed before the leftover check). */
const FILLER_ZH: readonly RegExp[] = [
  '首先',
  '滤镜',
  '帮我',
  '帮忙',
  '麻烦',
  '给我',
  '我想',
  '我要',
  '想要',
  '需要',
  '希望',
  '可以',
  '能否',
  '能不能',
  '一下',
  '一点点',
  '一点',
  '一些',
  '稍微',
  '稍稍',
  '略微',
  '微微',
  '更加',
  '这张',
  '这个',
  '那张',
  '整张',
  '整个',
  '整体',
  '画面',
  '图片',
  '图像',
  '照片',
  '相片',
  '变得',
  '变成',
  '弄成',
  '做成',
  '处理成',
  '处理',
  '进行',
  '加上',
  '添加',
  '增加',
  '提高',
  '提升',
  '降低',
  '减少',
  '减弱',
  '增强',
  '加强',
  '调整',
  '调高',
  '调低',
  '调成',
  '调到',
  '调为',
  '设置',
  '设为',
  '改成',
  '改为',
  '转换',
  '转为',
  '转成',
  '变为',
  '效果',
  '风格',
  '模式',
  '样式',
  '大约',
  '一张',
  '1张',
  '一个',
  '1个',
  '那种',
  '这种',
  '出来',
  '全部',
  '所有',
  '然后',
  '让它',
  '使其',
  '使它',
  '图',
  '请',
  '把',
  '将',
  '给',
  '对',
  '让',
  '使',
  '它',
  '更',
  '再',
  '很',
  '略',
  '些',
  '点',
  '得',
  '的',
  '地',
  '了',
  '着',
  '吧',
  '呢',
  '啊',
  '成',
  '为',
  '到',
  '至',
  '变',
  '弄',
  '做',
  '加',
  '调',
  '改',
  '转',
  '个',
  '张',
  '度',
  '倍',
  '在',
  '于',
  '并',
  '且',
  '也',
  '都',
  '和',
  '与',
  '及',
  '先',
  '添',
  '向',
  '往',
  '朝',
  '上',
  '用',
  '以',
  '来',
  '去',
  '掉',
  '一',
  '下',
  '按',
  '像素',
  '层',
  '级',
  '宽',
  '高',
  '大',
  '小',
].map((w) => new RegExp(w, 'g'));

/** True when a Chinese word is only filler ("一下", "把", "的"). */
export function isZhFiller(word: string): boolean {
  let t = word;
  for (const re of FILLER_ZH) t = t.replace(re, '');
  return t.trim() === '';
}
