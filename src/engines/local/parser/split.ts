/**
 * Splits a normalised instruction into clauses, in order, on punctuation and chaining words
 * ("then", "and", "然后", "并且", "，再"). Quoted text and joined phrases were already protected by
 * normalize(), so "text 'Tom and Jerry'" and "black and white" survive.
 */

const SEPARATORS = new RegExp(
  [
    '[,;!?\\n，；。！？、]+',
    '(?<!\\d)\\.|\\.(?!\\d)',
    '\\b(?:and\\s+then|and\\s+also|and\\s+finally|after\\s+that|afterwards|and|then|also|plus|finally|next(?!\\s+to\\b)|lastly)\\b',
    '&',
    '然后再?|接着|之后|随后|最后|并且|同时|以及|还要|另外|并(?![排列])|再(?!次)|(?<![饱温柔缓平调总暖])和(?!谐)',
  ].join('|'),
  'g',
);

/** Clauses of a normalised instruction, trimmed, empties dropped. */
export function splitClauses(text: string): string[] {
  // "cut out the person in image 2 and put it on image 1" is one request.
  const joined = text
    .replace(/\b(cut[\s-]*out\b[^,;.]*?)\s*,?\s*(?:and|then|and\s+then)\s+(?=(?:put|place|paste|move|add|insert)\b)/g, '$1 ')
    .replace(/\b((?:take|grab|extract|move|get)\b[^,;.]*?⟦i\d⟧[^,;.]*?)\s*,?\s*(?:and|then|and\s+then)\s+(?=(?:put|place|paste|insert)\b[^,;.]*⟦i\d⟧)/g, '$1 ')
    .replace(/(抠(?:出|图)[^。；;]*?)[，,]?\s*(?:然后|再|并且?)?\s*(?=(?:放|贴|移|合成|加))/g, '$1 ');
  return joined
    .split(SEPARATORS)
    .map((part) => part.trim())
    .filter((part) => part.length > 0 && !/^(?:first|先|首先|请|please)$/.test(part));
}

/** 'zh' when Chinese dominates the instruction (outside quoted text), else 'en'. */
export function detectLanguage(text: string): 'en' | 'zh' {
  const bare = text.replace(/⟦q\d+⟧/g, ' ');
  const han = (bare.match(/[\u3400-\u9fff]/g) ?? []).length;
  const words = (bare.match(/[a-z]{2,}/gi) ?? []).length;
  return han / 1.5 > words ? 'zh' : 'en';
}
