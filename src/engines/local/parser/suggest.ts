/**
 * Suggestions by meaning: a clause's words are compared with each operation's vocabulary (its
 * concepts — synonyms and what it is about — its name and its catalogue phrases, EN and ZH), with
 * lemmas and typos folded ("blurr" → blur, "grayscal" → grayscale). Generic words ("make",
 * "image", "add") never count, so "add a dog" gets no suggestion rather than a random one.
 */
import { nlp } from './nlp.js';
import { OPERATIONS } from '../ops/index.js';
import type { OpModule } from '../ops/spec.js';
import { FILLER_EN } from './clause.js';
import { foldSpelling } from './normalize.js';

const GENERIC = new Set([
  'make',
  'add',
  'image',
  'picture',
  'photo',
  'turn',
  'put',
  'give',
  'change',
  'effect',
  'style',
  'look',
  'the',
  'more',
  'less',
  'remove',
  'into',
  'with',
]);

function levenshtein(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const tmp = prev[j] as number;
      prev[j] = Math.min((prev[j] as number) + 1, (prev[j - 1] as number) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length] as number;
}

function englishWords(text: string): string[] {
  const doc = nlp(foldSpelling(text.slice(0, 400).toLowerCase()));
  doc.compute('root');
  const terms = (doc.json() as { terms: { normal: string; root?: string }[] }[]).flatMap((s) => s.terms);
  return terms.flatMap((t) => [t.normal, t.root ?? t.normal]).filter((w) => /^[a-z][a-z-]{2,24}$/.test(w) && !FILLER_EN.has(w) && !GENERIC.has(w));
}

const bigrams = (s: string): string[] => {
  const han = s.replace(/[^\u3400-\u9fff]/g, '');
  return Array.from({ length: Math.max(0, han.length - 1) }, (_, i) => han.slice(i, i + 2));
};

interface Vocabulary {
  readonly module: OpModule;
  /** Words of its name and concepts (weight 1) and of its catalogue examples (weight 0.6). */
  readonly words: ReadonlyMap<string, number>;
  readonly zh: ReadonlySet<string>;
}

let vocabularies: Vocabulary[] | undefined;
function vocab(): Vocabulary[] {
  vocabularies ??= OPERATIONS.map((module) => {
    const split = (phrases: readonly string[]) =>
      phrases.flatMap((p) => foldSpelling(p.toLowerCase()).split(/[^a-z-]+/)).filter((w) => w.length >= 3 && !FILLER_EN.has(w) && !GENERIC.has(w));
    const words = new Map<string, number>();
    for (const w of split(module.catalogue?.en ?? [])) words.set(w, 0.6);
    for (const w of split([module.name, ...module.concepts])) words.set(w, 1);
    const zh = new Set([...module.concepts, ...(module.catalogue?.zh ?? [])].flatMap(bigrams));
    return { module, words, zh };
  });
  return vocabularies;
}

function wordScore(w: string, v: string): number {
  if (w === v) return 1;
  const d = levenshtein(w, v);
  if (d === 1 && Math.min(w.length, v.length) >= 4) return 0.85;
  if (w.length >= 5 && v.length >= 5 && (v.startsWith(w.slice(0, 5)) || w.startsWith(v.slice(0, 5)))) return 0.8;
  if (d === 2 && Math.min(w.length, v.length) >= 6) return 0.5;
  return 0;
}

/** The operations closest in meaning to a clause (at most `count`), best first; empty when none is close. */
export function suggest(clause: string, count = 3): string[] {
  const words = [...new Set(englishWords(clause.replace(/[\u3400-\u9fff]+/g, ' ')))];
  const grams = new Set(bigrams(clause));
  const scored = vocab().map(({ module, words: vw, zh }) => {
    let score = 0;
    for (const w of words) {
      let best = 0;
      for (const [v, weight] of vw) best = Math.max(best, weight * wordScore(w, v));
      score += best;
    }
    for (const g of grams) if (zh.has(g)) score += 1;
    return { name: module.name, score };
  });
  return (
    scored
      .filter((s) => s.score >= 0.5)
      // Ties go to the plainer operation ("blur" before "blur background (portrait mode)").
      .sort((a, b) => b.score - a.score || a.name.length - b.name.length)
      .slice(0, count)
      .map((s) => s.name)
  );
}

/** Deterministic styles closest to a generative style request. */
export const STYLE_ALTERNATIVES = ['cartoon', 'pencil sketch', 'posterize'] as const;
