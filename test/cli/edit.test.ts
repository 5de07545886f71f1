/**
 * `retouch edit` and `retouch tasks` end to end: the built CLI (`node bin/retouch.js`, from
 * dist/) spawned against a real server, and with --local; files written, exit codes, and the
 * non-TTY output parsed line by line.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, testImage } from '../helpers/http.js';
import { REPO_ROOT, startTestServer, type TestServer } from '../helpers/server.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(REPO_ROOT, 'bin/retouch.js'), ...args],
      { cwd: REPO_ROOT, env: { ...process.env, DASHSCOPE_API_KEY: '', RETOUCH_SERVER: '', DASHSCOPE_HTTP_BASE_URL: '', ...env }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Parses `event key=value key="quoted value"` lines. */
function events(stdout: string): Array<{ event: string } & Record<string, string>> {
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [event = '', ...rest] = line.match(/[^\s"=]+="(?:[^"\\]|\\.)*"|\S+/g) ?? [];
      const fields: Record<string, string> = {};
      for (const part of rest) {
        const eq = part.indexOf('=');
        const raw = part.slice(eq + 1);
        fields[part.slice(0, eq)] = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
      }
      return { event, ...fields };
    });
}

describe('retouch edit / tasks against a server', () => {
  let server: TestServer;
  let dir: string;
  let image: string;
  let conn: string[];
  beforeAll(async () => {
    server = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'retouch-cli-'));
    image = join(dir, 'in.png');
    writeFileSync(image, await testImage(512, 384, 'png'));
    conn = ['--server', server.url, '--key', server.key];
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('submits, reports progress as parseable lines, saves every image, exits 0', async () => {
    const out = join(dir, 'ok');
    const run = await cli(['edit', image, '-p', 'all good', '-n', '2', '--model', 'retouch-test', '-o', out, ...conn]);
    expect(run.code, run.stderr).toBe(0);
    const ev = events(run.stdout);
    expect(ev[0]).toMatchObject({ event: 'submitted' });
    const taskId = ev[0]!.task!;
    expect(ev.filter((e) => e.event === 'status').every((e) => e.task === taskId && /^\d+\.\ds$/.test(e.elapsed!))).toBe(true);
    const saved = ev.filter((e) => e.event === 'saved');
    expect(saved.map((e) => e.index).sort()).toEqual(['0', '1']);
    expect(ev.at(-1)).toMatchObject({ event: 'done', task: taskId, state: 'SUCCEEDED', saved: '2', failed: '0' });
    expect(readdirSync(out).sort()).toEqual([`${taskId}-0.png`, `${taskId}-1.png`]);
    const meta = await sharp(saved[0]!.path!).metadata();
    expect(meta.format).toBe('png');
  });

  it('exits 3 on partial failure, naming the failed image', async () => {
    const out = join(dir, 'partial');
    const run = await cli(['edit', image, '-p', 'fail=1', '-n', '2', '--model', 'retouch-test', '-o', out, ...conn]);
    expect(run.code, run.stderr).toBe(3);
    const ev = events(run.stdout);
    expect(ev.find((e) => e.event === 'failed')).toMatchObject({ index: '1', code: 'InternalError.Algo' });
    expect(ev.at(-1)).toMatchObject({ event: 'done', state: 'SUCCEEDED', saved: '1', failed: '1' });
    expect(readdirSync(out)).toHaveLength(1);
  });

  it('exits 4 when the task fails, and prints one JSON document with --json', async () => {
    const run = await cli(['edit', image, '-p', 'fail=0', '-n', '1', '--model', 'retouch-test', '-o', join(dir, 'f'), '--json', ...conn]);
    expect(run.code, run.stderr).toBe(4);
    const doc = JSON.parse(run.stdout);
    expect(doc).toMatchObject({ task_status: 'FAILED', code: 'InternalError.Algo', saved: 0 });
  });

  it('exits 2 on usage errors and 1 when the server cannot be reached', async () => {
    expect((await cli(['edit', image, '-p', 'x', '-n', '9', ...conn])).code).toBe(2);
    expect((await cli(['edit', image, ...conn])).code).toBe(2); // no --prompt
    expect((await cli(['edit', image, '-p', 'x', '--server', server.url])).code).toBe(2); // no key
    const down = await cli(['edit', image, '-p', 'x', '-n', '1', '--model', 'retouch-test', '--server', 'http://127.0.0.1:9', '--key', 'k']);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('NetworkError');
    const badKey = await cli(['edit', image, '-p', 'x', '-n', '1', '--server', server.url, '--key', 'sk-wrong-key-000']);
    expect(badKey.code).toBe(1);
    expect(badKey.stderr).toContain('InvalidApiKey');
  });

  // procfs answers ENOENT to a mkdir of any child, and Node's recursive mkdir then retries the
  // parent forever at 100 % CPU: `-o /proc/…` (an unwritable directory even for root) hung.
  it.skipIf(!existsSync('/proc/self'))('an output directory that cannot be created fails with the reason, server and --local', async () => {
    const out = '/proc/retouch-cli-test/out';
    const remote = await cli(['edit', image, '-p', 'all good', '-n', '1', '--model', 'retouch-test', '-o', out, ...conn]);
    expect(remote.code).not.toBe(0);
    expect(remote.stderr).toContain('ENOENT');
    const local = await cli(['edit', image, '-p', 'convert to black and white', '-n', '1', '--local', '-o', out]);
    expect(local.code).not.toBe(0);
    expect(local.stderr).toContain('ENOENT');
  });

  it('exits 2 on bad tasks list flags, before asking the server', async () => {
    for (const [flags, message] of [
      [['--start', 'yesterday'], '--start must be a Beijing time like 20230420193058 (YYYYMMDDhhmmss), got "yesterday"'],
      [['--end', '20261301000000'], '--end must be a Beijing time like 20230420193058 (YYYYMMDDhhmmss), got "20261301000000"'],
      [['--page-size', '500'], '--page-size must be between 1 and 100, got 500'],
      [['--page', '0'], '--page must be at least 1, got 0'],
    ] as const) {
      const run = await cli(['tasks', 'list', ...flags, ...conn]);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain(`retouch: ${message}`);
    }
  });

  it('refuses an -o that is not a directory before submitting anything', async () => {
    const total = async () => (await call<{ total: number }>(`${server.url}/api/v1/tasks?page_size=100`, { key: server.key })).body.total;
    const before = await total();
    for (const output of [image, join(image, 'sub')]) {
      const run = await cli(['edit', image, '-p', 'all good', '-n', '1', '--model', 'retouch-test', '-o', output, ...conn]);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain(`retouch: -o ${output}: not a directory`);
      expect(run.stdout).toBe('');
      const local = await cli(['edit', image, '-p', 'grayscale', '-n', '1', '--local', '-o', output]);
      expect(local.code, local.stderr).toBe(2);
      expect(local.stderr).toContain(`retouch: -o ${output}: not a directory`);
    }
    expect(await total()).toBe(before);
  });

  it('tasks list / get / wait / cancel, with environment defaults', async () => {
    const env = { RETOUCH_SERVER: server.url, DASHSCOPE_API_KEY: server.key };
    const run = await cli(['edit', image, '-p', 'ok', '-n', '1', '--model', 'retouch-test', '-o', join(dir, 't'), '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    const id = JSON.parse(run.stdout).task_id as string;

    const list = await cli(['tasks', 'list', '--json'], env);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).data.map((t: { task_id: string }) => t.task_id)).toContain(id);

    const get = await cli(['tasks', 'get', id], env);
    expect(get.code).toBe(0);
    expect(get.stdout).toContain(`task ${id} SUCCEEDED`);

    const wait = await cli(['tasks', 'wait', id, '-o', join(dir, 'w')], env);
    expect(wait.code, wait.stderr).toBe(0);
    // Waiting submits nothing: the first line says it waits for the task.
    expect(events(wait.stdout)[0]).toEqual({ event: 'waiting', task: id });
    expect(events(wait.stdout).at(-1)).toMatchObject({ event: 'done', state: 'SUCCEEDED', saved: '1' });

    expect((await cli(['tasks', 'get', 'no-such-task'], env)).code).toBe(4);
    const cancel = await cli(['tasks', 'cancel', id], env);
    expect(cancel.code).toBe(1);
    expect(cancel.stderr).toContain('UnsupportedOperation');
  });

  it('resubmits safely with --idempotency-key: the same task, not a second one', async () => {
    const args = ['edit', image, '-p', 'sleep=1 idem', '-n', '1', '--model', 'retouch-test', '--idempotency-key', 'cli-key-1', '--json', ...conn];
    const first = await cli([...args, '-o', join(dir, 'i1')]);
    const again = await cli([...args, '-o', join(dir, 'i2')]);
    expect(first.code, first.stderr).toBe(0);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).task_id).toBe(JSON.parse(first.stdout).task_id);
    expect(readdirSync(join(dir, 'i2'))).toEqual(readdirSync(join(dir, 'i1')));
  });
});

describe('retouch edit --local', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'retouch-cli-local-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('edits with the built-in engine in-process, no server, no key', async () => {
    const image = join(dir, 'in.jpg');
    writeFileSync(image, await testImage(640, 480, 'jpeg'));
    const out = join(dir, 'out');
    const run = await cli(['edit', image, '-p', 'convert to black and white', '-n', '1', '--size', '1024*768', '--local', '-o', out]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const ev = events(run.stdout);
    expect(ev.at(-1)).toMatchObject({ event: 'done', state: 'SUCCEEDED', saved: '1', failed: '0' });
    const [file] = readdirSync(out);
    const meta = await sharp(join(out, file!)).metadata();
    expect({ format: meta.format, width: meta.width, height: meta.height }).toEqual({ format: 'png', width: 1024, height: 768 });
  });

  it('validates like the server and reports unreadable inputs as a failed task', async () => {
    expect((await cli(['edit', join(dir, 'x.png'), '-p', 'x', '--size', '10*10', '--local'])).code).toBe(2);
    const missing = await cli(['edit', join(dir, 'missing.png'), '-p', 'grayscale', '-n', '1', '--local', '-o', dir, '--json']);
    expect(missing.code).toBe(4);
    expect(JSON.parse(missing.stdout)).toMatchObject({ task_status: 'FAILED', code: 'InvalidInput' });
  });
});
