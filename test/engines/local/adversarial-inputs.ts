/**
 * Long inputs that would expose catastrophic backtracking or runaway work in the parser (each
 * ≤ 2000 characters, the prompt limit). The parser test checks each gets a plan or a clear
 * refusal; bench/parse.ts times them against the corpus median.
 */
export const ADVERSARIAL_PROMPTS: readonly string[] = [
  'and '.repeat(490),
  'one '.repeat(490),
  'remove '.repeat(280),
  '图'.repeat(1990),
  'a'.repeat(1999),
  `"${'x'.repeat(1990)}`,
  'rotate 9'.repeat(240),
];
