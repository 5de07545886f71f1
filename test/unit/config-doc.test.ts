/**
 * docs/configuration.md documents exactly the settings src/config.ts reads (the only reader of
 * process.env): every RETOUCH_* variable config.ts names has a row of the settings table, and every
 * row names a variable config.ts reads.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/server.js';

// Comments stripped: a variable only mentioned in a comment is not read.
const source = readFileSync(join(REPO_ROOT, 'src/config.ts'), 'utf8')
  .replace(/\/\*[\s\S]*?\*\//g, '')
  .replace(/\/\/.*$/gm, '');
/** Whole names only: `RETOUCH_S3_` is a prefix config.ts matches other variables by. */
const read = new Set([...source.matchAll(/\bRETOUCH_[A-Z0-9_]*[A-Z0-9]\b/g)].map((m) => m[0]));

const doc = readFileSync(join(REPO_ROOT, 'docs/configuration.md'), 'utf8');
/** The variables named in the first cell of a table row (`A` / `B` rows name two). */
const documented = new Set(
  doc
    .split('\n')
    .filter((line) => /^\|\s*`RETOUCH_/.test(line))
    .flatMap((line) => [...line.split('|')[1]!.matchAll(/`(RETOUCH_[A-Z0-9_]+)`/g)].map((m) => m[1]!)),
);

describe('docs/configuration.md ↔ src/config.ts', () => {
  it('finds the settings on both sides', () => {
    expect(read.size).toBeGreaterThan(40);
    expect(documented.size).toBeGreaterThan(40);
  });

  it('documents every variable config.ts reads', () => {
    expect([...read].filter((name) => !documented.has(name)).sort()).toEqual([]);
  });

  it('documents no variable config.ts does not read', () => {
    expect([...documented].filter((name) => !read.has(name)).sort()).toEqual([]);
  });
});
