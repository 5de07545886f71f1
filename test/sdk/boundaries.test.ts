/**
 * The SDK package is self-contained: its files import only each other and node built-ins (no
 * dependency, nothing of the server), and its protocol/ imports only itself (no `node:` either:
 * the web console bundles it).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/server.js';

const SDK = join(REPO_ROOT, 'packages/sdk/src');

function imports(dir: string): { file: string; spec: string }[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .flatMap((f) => {
      // Code only: doc comments show `import … from '@retouch/sdk'` examples.
      const text = readFileSync(join(dir, f), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
      return [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => ({ file: relative(SDK, join(dir, f)), spec: m[1]! }));
    });
}

describe('packages/sdk dependencies', () => {
  it('the client imports nothing but its own files, protocol/ and node: modules', () => {
    const offenders = imports(SDK).filter(({ spec }) => !(spec.startsWith('./') || spec.startsWith('node:')));
    expect(offenders).toEqual([]);
  });

  it('protocol/ imports nothing but protocol/', () => {
    const offenders = imports(join(SDK, 'protocol')).filter(({ spec }) => !spec.startsWith('./'));
    expect(offenders).toEqual([]);
  });
});
