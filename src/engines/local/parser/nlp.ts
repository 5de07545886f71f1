/**
 * `compromise` (English parts of speech and lemmas), loaded on first use: its single-file CommonJS
 * build loads several times faster than its ESM sources, and most instructions never need it
 * (the operation takes every word), so processes that only start up pay nothing.
 */
import { createRequire } from 'node:module';
import type nlpType from 'compromise';

const require = createRequire(import.meta.url);
let loaded: typeof nlpType | undefined;

export function nlp(text: string): ReturnType<typeof nlpType> {
  loaded ??= require('compromise') as typeof nlpType;
  return loaded(text);
}
