/**
 * Parse time per prompt on the phrasings corpus (../shared/phrasings/phrasings.jsonl, 151 real
 * requests, English and Chinese): `understand(prompt)` (normalise, split, clause roles, operation
 * modules, leftover judged with compromise / jieba) against a trivial tokenizer pass over the same
 * prompt in the same run (lower-case + split on whitespace and punctuation), interleaved, each
 * prompt timed over a batch of repeats. Prints median and p99 per prompt for both and the ratio.
 *
 *   npx tsx bench/parse.ts [--rounds 5] [--repeat 20]
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { understand } from '../src/engines/local/parser/index.js';
import { ADVERSARIAL_PROMPTS } from '../test/engines/local/adversarial-inputs.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, repeat: { type: 'string', default: '20' } } });
const ROUNDS = Number(values.rounds);
const REPEAT = Number(values.repeat);

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const corpus = [join(root, '..', 'shared', 'phrasings', 'phrasings.jsonl'), join(root, '..', '..', 'shared', 'phrasings', 'phrasings.jsonl')].find(existsSync);
if (!corpus) throw new Error('phrasings corpus not found (../shared/phrasings/phrasings.jsonl)');
const prompts = readFileSync(corpus, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => (JSON.parse(l) as { prompt: string }).prompt);

/** The baseline: what any parser must at least do, touch every character once. */
function tokenize(prompt: string): number {
  return prompt
    .toLowerCase()
    .split(/[\s,.;:!?，。；：！？、]+/)
    .filter((t) => t.length > 0).length;
}

let sink = 0;
function time(fn: (p: string) => unknown, prompt: string): number {
  const start = performance.now();
  for (let i = 0; i < REPEAT; i += 1) sink += fn(prompt) ? 1 : 0;
  return (performance.now() - start) / REPEAT;
}

// Warm-up: the language tools load their lexicons (jieba's dictionary) once per process.
for (const p of prompts) understand(p);

const ours: number[] = [];
const base: number[] = [];
for (let round = 0; round < ROUNDS; round += 1) {
  for (const p of prompts) {
    base.push(time(tokenize, p));
    ours.push(time(understand, p));
  }
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
};
const fmt = (ms: number): string => (ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(1)} µs`);
const rows = [
  ['understand(prompt)', quantile(ours, 0.5), quantile(ours, 0.99)],
  ['baseline: tokenizer pass', quantile(base, 0.5), quantile(base, 0.99)],
] as const;
process.stdout.write(
  `${prompts.length} prompts × ${ROUNDS} rounds × ${REPEAT} repeats (sink ${sink})\n\n| | median per prompt | p99 per prompt |\n|---|---|---|\n`,
);
for (const [name, med, p99] of rows) process.stdout.write(`| ${name} | ${fmt(med)} | ${fmt(p99)} |\n`);
process.stdout.write(`| ratio | ${(rows[0][1] / rows[1][1]).toFixed(0)}× | ${(rows[0][2] / rows[1][2]).toFixed(0)}× |\n`);

// Long adversarial inputs (was a timed bound in test/engines/local/parser.test.ts): the parser's
// time on each against its own median on the corpus; catastrophic backtracking would show as a
// ratio in the thousands.

const attempt = (p: string): boolean => {
  try {
    return understand(p) !== undefined;
  } catch {
    return false;
  }
};
process.stdout.write('\n| adversarial input (≤ 2000 chars) | time | ÷ corpus median |\n|---|---:|---:|\n');
for (const p of ADVERSARIAL_PROMPTS) {
  const t = quantile(
    Array.from({ length: ROUNDS }, () => time(attempt, p)),
    0.5,
  );
  process.stdout.write(`| \`${JSON.stringify(p.slice(0, 12)).slice(1, -1)}…\` (${p.length}) | ${fmt(t)} | ${(t / rows[0][1]).toFixed(1)} |\n`);
}
