/**
 * The shipped systemd units pass `systemd-analyze verify` (syntax, known directives, sandboxing
 * options this systemd understands). ExecStart= must name an existing file for verify to pass,
 * so the copies checked here point it at this checkout's bin/retouch.js; nothing else changes.
 * (Running them needs systemd as PID 1, which this machine does not have: docs/deployment.md.)
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/server.js';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'retouch-units-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function localCopy(unit: string, as: string): string {
  const text = readFileSync(join(REPO_ROOT, 'deploy', unit), 'utf8');
  expect(text).toContain('ExecStart=/usr/bin/retouch serve');
  const file = join(work, as);
  writeFileSync(file, text.replace('ExecStart=/usr/bin/retouch serve', `ExecStart=${process.execPath} ${join(REPO_ROOT, 'bin/retouch.js')} serve`));
  return file;
}

describe('deploy/ systemd units', () => {
  it('systemd-analyze verify accepts retouch.service and retouch@api/worker.service', async () => {
    const files = [
      localCopy('retouch.service', 'retouch.service'),
      localCopy('retouch@.service', 'retouch@api.service'),
      localCopy('retouch@.service', 'retouch@worker.service'),
    ];
    const { stdout, stderr } = await run('systemd-analyze', ['verify', ...files]);
    expect(stdout + stderr).toBe('');
  });

  it('the single-host unit sandboxes the service and leaves only the data dir writable', () => {
    const text = readFileSync(join(REPO_ROOT, 'deploy', 'retouch.service'), 'utf8');
    for (const line of [
      'User=retouch',
      'ProtectSystem=strict',
      'StateDirectory=retouch',
      'Environment=RETOUCH_DATA_DIR=/var/lib/retouch',
      'NoNewPrivileges=yes',
      'PrivateTmp=yes',
      'CapabilityBoundingSet=',
    ]) {
      expect(text.split('\n')).toContain(line);
    }
    expect(text).not.toMatch(/^MemoryDenyWriteExecute=yes/m);
  });
});
