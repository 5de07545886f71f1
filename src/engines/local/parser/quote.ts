/**
 * Quotes the user's own words in messages. The parser works on normalised text (lower case,
 * American spelling, numbers as digits); a message must show what the user wrote, so a fragment
 * is looked up in the original prompt, word by word with the same folding.
 */
import { foldSpelling } from './normalize.js';

const WORD = /[A-Za-z][A-Za-z'’-]*|\d+(?:\.\d+)?|[\u3400-\u9fff]+/g;

/** The user's spelling of one word of the normalised text, or undefined when the user did not write it. */
export function quoteWord(original: string, word: string): string | undefined {
  const w = word.toLowerCase();
  for (const m of original.matchAll(WORD)) {
    const n = foldSpelling(m[0].normalize('NFKC').toLowerCase());
    if (n === w) return m[0];
    if (/[\u3400-\u9fff]/.test(n) && n.includes(w)) return w;
  }
  return undefined;
}

export function quoteUser(original: string, fragment: string): string {
  const frag = fragment
    .replace(/⟦[^⟧]*⟧/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const whole = original.replace(/\s+/g, ' ').trim().slice(0, 120);
  if (frag === '') return whole;
  const lower = original.normalize('NFKC').toLowerCase();
  const at = foldSpelling(lower).indexOf(frag);
  if (at >= 0 && foldSpelling(lower).length === lower.length) return original.slice(at, at + frag.length);
  const words = [...original.matchAll(WORD)];
  const norm = words.map((m) => foldSpelling(m[0].normalize('NFKC').toLowerCase()));
  const wanted = frag.match(WORD) ?? [];
  const first = wanted[0];
  const last = wanted.at(-1);
  if (!first || !last) return whole;
  const i = norm.findIndex((w) => w === first || w.includes(first) || first.includes(w));
  if (i < 0) return whole;
  let j = -1;
  for (let k = norm.length - 1; k >= i; k -= 1) {
    const w = norm[k] as string;
    if (w === last || w.includes(last) || last.includes(w)) {
      j = k;
      break;
    }
  }
  if (j < 0) return whole;
  const start = words[i]?.index ?? 0;
  const end = (words[j]?.index ?? 0) + (words[j]?.[0].length ?? 0);
  return original.slice(start, end).slice(0, 120);
}
