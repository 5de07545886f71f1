/**
 * The role of a clause besides "an operation": a constraint the deterministic edit already
 * satisfies ("keep … unchanged", "without changing …", "其余不变", "保持人物不变"), a purpose or
 * simile ("…so it pops", "…to make the subject stand out", "like golden hour", "让主体更突出"),
 * politeness ("thanks", "谢谢"), a negation ("don't crop it"), or a diagnosis that states the
 * problem an operation fixes ("the photo is too dark"). Patterns run on normalised text
 * (lower case, American spelling).
 */
import type { Aspect } from '../ops/spec.js';

const KEEP_EN =
  /^(?:and\s+|but\s+|while\s+|also\s+)?(?:please\s+)?(?:keep|leave|preserve|retain|maintain)\b.*\b(?:unchanged|the\s+same|same|as\s+(?:it\s+is|they\s+are|is|before|it\s+was|they\s+were|they\s+were)|intact|untouched|alone|exactly|original|unaltered|unmodified|identical|as-is|natural)\b/;
const KEEP_BARE_EN =
  /^(?:and\s+|but\s+|while\s+)?(?:please\s+)?(?:keep|preserve|retain|maintain)\s+(?:the\s+|its\s+|my\s+|all\s+)?(?:original\s+)?(?:composition|framing|layout|subject|person|people|colors?|details?|proportions|aspect\s+ratio|resolution|quality|identity|faces?|lighting|size|dimensions|everything\s+else|the\s+rest|rest)\b(?!.*\b(?:only|sharp|in\s+focus|clear|bright|colou?red|gray|grey)\b)/;
const SUBJECT_SHARP =
  /^(?:and\s+|but\s+|while\s+)?(?:keep|keeping)\s+(?:the\s+|my\s+)?(?:main\s+)?(?:subject|person|people|face|faces|foreground|model)\s+(?:sharp|in\s+focus|clear|crisp|clean)\b|^(?:主体|人物|人像|人脸|前景)(?:要|需要)?(?:保持|保留)?(?:清晰|锐利|清楚|不变|原样)$/;
const PRESERVING_EN =
  /^(?:and\s+|but\s+)?(?:while\s+|whilst\s+)?(?:preserving|keeping|maintaining|retaining|leaving|without\s+(?:changing|altering|touching|affecting|modifying))\b/;
const UNCHANGED_EN =
  /^(?:and\s+|but\s+)?(?:without|don'?t|do\s+not|never|no|not)\s+(?:chang|alter|modif|touch|affect|edit|mess|distort)\w*|^(?:and\s+)?(?:everything|all|nothing)\s+else\b|^(?:and\s+)?(?:the\s+)?rest\s+(?:stays?|remains?|unchanged|as\s+is|the\s+same|untouched)|^(?:and\s+)?(?:leave|keep)\s+(?:the\s+)?rest\b|^(?:only|just)\s+(?:this|that)\s+change\b|^(?:nothing\s+else|no\s+other\s+changes?)\b/;
const KEEP_ZH =
  /(?:其[余他它]|别的|剩下的?|另外的)(?:内容|部分|地方|元素|区域)?.{0,6}?(?:保持|维持)?(?:原样|不变|不动|不要动)|其[余他它].{0,8}?(?:不要|别|不用|无需|不必)(?:做)?(?:任何)?(?:改动|修改|改变|变化|变动|调整|动)|^(?:保持|保留|维持)(?:住)?.{0,12}?(?:不变|原样|不动|原来的样子|原貌)$|(?:主体|人物|构图|背景|颜色|原图|画面|人像|细节|比例|尺寸)(?:都|均)?(?:保持)?不变$|^(?:保留|保持)(?:住)?(?:主体|人物|原色|细节|原图|构图)$|^(?:不要|别|不用|无需|不必)(?:改动|修改|改变|变动|动)(?:其[他余]|别的)?/;

const TOPICS: ReadonlyArray<readonly [RegExp, Aspect]> = [
  [/\b(?:colors?|tones?|hues?)\b|颜色|色彩|色调|原色/, 'colour'],
  [/\b(?:composition|framing|layout|size|dimensions|aspect|ratio|proportions?|crop|orientation|resolution)\b|构图|尺寸|大小|比例|方向|分辨率/, 'geometry'],
  [/\bbackground\b|背景/, 'background'],
  [/\b(?:subject|person|people|faces?|details?|identity|content)\b|主体|人物|人像|人脸|细节|内容/, 'content'],
];

/** A preservation clause and what it names (nothing when it is about "everything else"). */
export function preservation(clause: string): { topics: Aspect[] } | undefined {
  const c = clause.trim();
  if (!(SUBJECT_SHARP.test(c) || KEEP_EN.test(c) || KEEP_BARE_EN.test(c) || PRESERVING_EN.test(c) || UNCHANGED_EN.test(c) || KEEP_ZH.test(c))) return undefined;
  if (/\b(?:else|rest|other)\b|其[余他它]|别的|剩下|另外/.test(c)) return { topics: [] };
  return { topics: TOPICS.filter(([re]) => re.test(c)).map(([, t]) => t) };
}

const POLITE =
  /^(?:please|pls|thanks?(?:\s+(?:you|a\s+lot|so\s+much|very\s+much|in\s+advance|a\s+bunch))*|thx|cheers|ty|if\s+(?:possible|you\s+can|you\s+could)|when\s+you\s+can|no\s+rush|ok(?:ay)?|hi|hello|hey|dear\s+\w+|could\s+you(?:\s+please)?|can\s+you(?:\s+please)?|would\s+you(?:\s+mind)?|i'?d\s+appreciate\s+it|much\s+appreciated|谢谢(?:你|您)?|谢啦|多谢|感谢|麻烦(?:你|您)?了?|辛苦了?|你好|您好|拜托了?|好吗|可以吗|行吗|谢谢啦)$/;

const POLITE_LEAD =
  /^(?:(?:hi|hello|hey)\s+)?(?:(?:please|kindly|pls)\s+)?(?:(?:could|can|would|will)\s+you\s+(?:please\s+|kindly\s+)?|(?:i'?d|i\s+would|we'?d)\s+(?:like|love)\s+(?:you\s+)?(?:to\s+)?|i\s+(?:want|need)\s+(?:you\s+)?(?:to\s+)?|(?:please\s+)?help\s+me\s+(?:to\s+)?|let'?s\s+|go\s+ahead\s+and\s+|would\s+you\s+mind\s+)(?:please\s+)?/;
const POLITE_TAIL =
  /(?:\s*,?\s*\b(?:please|thanks?(?:\s+(?:you|a\s+lot|so\s+much))?|thank\s+you(?:\s+so\s+much)?|if\s+possible|if\s+you\s+can))+\s*$|(?:谢谢|谢啦|好吗|可以吗|行吗|吧)+$/;

/** "Could you please …, thanks": the request without its courtesy words. */
export function stripPoliteness(clause: string): string {
  return clause.trim().replace(POLITE_LEAD, '').replace(POLITE_TAIL, '').trim();
}

export function isPoliteness(clause: string): boolean {
  return POLITE.test(clause.trim());
}

const PURPOSE_START_EN =
  /^(?:so\s+(?:that\s+)?|in\s+order\s+to\b|so\s+as\s+to\b|to\s+(?:make|create|give|get|achieve|help|let|bring|emphasize|highlight|improve|enhance|match|fit|show|mimic|simulate|produce|reveal|draw|focus|suit|add|evoke)\b|for\s+(?:a|an|the|my|our|your|their|more|better|privacy|texture|use|printing|print|posting|instagram|web|social|fun|effect|drama|impact|clarity)\b|(?:just\s+|kind\s+of\s+|sort\s+of\s+|a\s+bit\s+)?like\s+|as\s+if\b|as\s+though\b|similar\s+to\b|because\b|since\b|which\s+(?:will|would|should)\b)/;
const SIMILE_ZH = /^(?:像(?!素)|仿佛|好像|如同|就像|类似)|一样$|似的$/;
const PURPOSE_ZH =
  /^(?:以便|为了|用于|用来|方便|好让|以|因为|这样)|^(?:让|使)(?:主体|人物|画面|照片|图片|它|整体|产品|商品|重点)?(?:更加?|更为|显得)?(?:突出|醒目|显眼|好看|漂亮|吸引人|吸睛|有质感|有层次|立体|清楚|通透|跳出来|出彩|自然|高级|温馨|温暖|柔和|舒服|舒适|有感觉|有氛围|生动|活泼|明亮|干净|清新|有活力|有电影感|有氛围感)/;
const PURPOSE_SOFT_ZH = /^(?:让|使|使得)/;

/** "so it pops", "like golden hour", "像底片一样": never an operation of its own. */
export function isPurpose(clause: string): boolean {
  const c = clause.trim();
  return PURPOSE_START_EN.test(c) || SIMILE_ZH.test(c) || PURPOSE_ZH.test(c);
}

/** "让主体更突出": a purpose unless it parses as an operation ("让色彩更鲜艳"). */
export function mayBePurpose(clause: string): boolean {
  return PURPOSE_SOFT_ZH.test(clause.trim());
}

const PURPOSE_TAIL_EN =
  /\s(?:so\s+(?:that\s+)?(?:it|the|they|this|everything|you|details?|colors?|subject|people|i|we|viewers?)\b|in\s+order\s+to\b|so\s+as\s+to\b|to\s+(?:make|create|give|get|achieve|help|let|bring|emphasize|highlight|improve|enhance|match|fit|show|mimic|simulate|produce|reveal|draw|focus|evoke)\b|for\s+(?:a|an|the|my|our|your|their|more|better|privacy|texture|use|printing|print|posting|instagram|web|social|fun|drama|impact)\b|(?:just\s+)?like\s+(?:a|an|the|in|on|at|golden|old|some|those|that|my)\b|as\s+if\b|as\s+though\b)/;
const PURPOSE_TAIL_ZH =
  /(?:以便|为了|用于|用来|好让|让|使得|使)(?:主体|人物|画面|照片|图片|它|整体|颜色|细节|人|产品|商品|效果|整个)?(?:更|更加|看起来|显得|变得)?[^，,]*$/;

/** Splits a trailing purpose or simile off an operation clause. */
export function splitPurpose(clause: string): { core: string; tail: string } | undefined {
  const m = PURPOSE_TAIL_EN.exec(clause) ?? (/[\u3400-\u9fff]/.test(clause) ? PURPOSE_TAIL_ZH.exec(clause) : null);
  if (!m || m.index === 0) return undefined;
  const core = clause.slice(0, m.index).trim();
  return core ? { core, tail: clause.slice(m.index).trim() } : undefined;
}

const KEEP_TAIL =
  /\s*[,，]?\s*(?:\b(?:while|whilst|but|and)\s+)?\b(?:keeping|preserving|maintaining|retaining|leaving|without\s+(?:changing|altering|touching|affecting|modifying))\b.*$|\s*[,，]?\s*\b(?:but|and|while)\s+(?:keep|preserve|leave|don'?t\s+change|do\s+not\s+change)\b.*$|(?:，|,)?\s*(?:同时|并且?|但)?(?:保持|保留)[^，,]{0,12}(?:不变|原样)$/;

/** "…, while keeping the composition unchanged": an operation with a preservation at its end. */
export function splitKeep(clause: string): { core: string; keep: string } | undefined {
  const m = KEEP_TAIL.exec(clause);
  if (!m || m.index === 0) return undefined;
  const keep = m[0].replace(/^\s*[,，]?\s*(?:\b(?:while|whilst|but|and)\s+)?/, '').trim();
  const core = clause.slice(0, m.index).trim();
  return core && preservation(keep) ? { core, keep } : undefined;
}

const NEGATION_EN = /^(?:please\s+)?(?:don'?t|do\s+not|never|avoid|no\s+need\s+to)\s+(.+)$/;
const NEGATION_ZH = /^(?:请)?(?:不要|别|无需|不用|不必|避免|不需要)(.+)$/;

/** "don't crop it" → "crop it": the edit that must not happen. */
export function negated(clause: string): string | undefined {
  const c = clause.trim();
  const m = NEGATION_EN.exec(c) ?? NEGATION_ZH.exec(c);
  return m?.[1];
}

const DIAGNOSIS =
  /\b(?:is|are|looks?|seems?|it's|its|was|were|feels?)\b.*\b(?:too|so|a\s+bit|very|quite|rather|really|kind\s+of)\b|\b(?:it's|its|is|are|was|looks?)\s+(?:over|under)exposed\b|\bthere'?s\s+(?:a|an|some)\b|\bthere\s+is\b|^(?:too|so)\s+\w+$|太.{1,4}了?$|过度了?$|过曝了?$|欠曝了?$|偏[暗亮黄蓝红绿冷暖]了?$|有点[暗亮黄蓝糊]了?$/;

/** "the photo is too dark", "照片太暗了": states the problem an operation fixes. */
export function isDiagnosis(clause: string): boolean {
  return DIAGNOSIS.test(clause.trim());
}
