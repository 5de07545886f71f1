/** The SDK is its own entry point: it may import only itself, protocol/ and node built-ins. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/server.js';

describe('packages/sdk/src dependencies', () => {
  it('imports nothing but ./, ../protocol/ and node: modules', () => {
    const dir = join(REPO_ROOT, 'packages/sdk/src');
    const offenders: string[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      // Code only: doc comments show `import … from '@retouch/sdk'` examples.
      const text = readFileSync(join(dir, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
        const spec = m[1]!;
        if (!(spec.startsWith('./') || spec.startsWith('../protocol/') || spec.startsWith('node:'))) offenders.push(`${file}: ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
