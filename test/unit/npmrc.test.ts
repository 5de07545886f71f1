/**
 * The project's .npmrc holds only keys npm knows: npm warns about every other one on each command
 * run in the project (`npx retouch …` included), and will stop reading them.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/server.js';

const run = promisify(execFile);

describe('.npmrc', () => {
  it('sets keys npm reads, without a warning', async () => {
    const keys = readFileSync(join(REPO_ROOT, '.npmrc'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#') && !line.startsWith(';'))
      .map((line) => line.split('=')[0]!.trim());
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      const { stdout, stderr } = await run('npm', ['config', 'get', key], { cwd: REPO_ROOT });
      expect(stderr, key).not.toMatch(/warn/i);
      // The project's value is the one npm uses.
      expect(stdout.trim(), key).not.toBe('undefined');
    }
  });
});
