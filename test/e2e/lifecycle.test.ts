/**
 * Process lifecycle, with retouch running as a real child process: SIGKILL mid-task and
 * recovery on restart, the retry bound, graceful SIGTERM, and the first-start API key.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KEY_CACHE_TTL_MS } from '../../src/auth/key-cache.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createBody, createTask, getTask, imageDataUri, waitForStatus, call } from '../helpers/http.js';
import { REPO_ROOT, spawnServer, startTestServer, tempDataDir, TEST_KEY, type ChildServer, type TestServer } from '../helpers/server.js';

const dirs: string[] = [];
const children: ChildServer[] = [];
const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  for (const c of children.splice(0)) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Awaits `promise`, failing with the step's name (and not a bare test timeout) if it hangs. */
async function step<T>(name: string, promise: Promise<T>, ms = 30_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`step "${name}" took over ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function start(dataDir: string, env: Record<string, string> = {}) {
  const server = await spawnServer(dataDir, env);
  children.push(server);
  return server;
}

function newDir() {
  const dir = tempDataDir();
  dirs.push(dir);
  return dir;
}

describe('crash recovery', () => {
  it('re-runs a task whose server was SIGKILLed mid-run, once restarted', async () => {
    const dir = newDir();
    const env = { RETOUCH_LEASE: '1s', RETOUCH_WORKER_CONCURRENCY: '1' };
    const first = await step('first start', start(dir, env));
    const image = await imageDataUri(400, 400);
    // Long enough that a loaded machine still sees it RUNNING before the kill.
    const created = await createTask(first.url, TEST_KEY, createBody([image], 'sleep=4000', { n: 1, seed: 7 }));
    expect(created.status).toBe(200);
    const id = created.body.output.task_id;
    await step('RUNNING on the first server', waitForStatus(first.url, TEST_KEY, id, ['RUNNING']));
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');

    const second = await step('restart', start(dir, env));
    const done = await step('recovery', waitForStatus(second.url, TEST_KEY, id, ['SUCCEEDED', 'FAILED'], 30_000));
    expect(done.body.output.task_status).toBe('SUCCEEDED');
    const download = await step('download', fetch(done.body.output.results[0].url));
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('image/png');
    expect((await download.arrayBuffer()).byteLength).toBe(Number(download.headers.get('content-length')));
    second.child.kill('SIGTERM');
    expect(await step('graceful exit', second.exited)).toBe(0);
  }, 90_000);

  it('loses no acknowledged create and no settled state seen by a client when SIGKILLed under load (SQLite writes are group-committed)', async () => {
    const dir = newDir();
    const env = { RETOUCH_LEASE: '1s', RETOUCH_WORKER_CONCURRENCY: '4', RETOUCH_RATE_LIMIT_SUBMIT: '0', RETOUCH_RATE_LIMIT_QUERY: '0' };
    const first = await step('first start', start(dir, env));
    const image = await imageDataUri(400, 400);
    const acknowledged: string[] = [];
    const seenSettled = new Map<string, string>();
    let killed = false;
    // Eight clients create (and poll what they created) until the kill; a bounded run.
    const client = async () => {
      for (let i = 0; i < 200 && !killed; i++) {
        const res = await createTask(first.url, TEST_KEY, createBody([image], 'sleep=5', { n: 1 })).catch(() => undefined);
        if (res?.status !== 200) continue;
        acknowledged.push(res.body.output.task_id);
        // The oldest task not yet seen settled: answers seen before the kill are checked after it.
        const oldest = acknowledged.find((id) => !seenSettled.has(id))!;
        const got = await getTask(first.url, TEST_KEY, oldest).catch(() => undefined);
        const status = got?.body?.output?.task_status;
        if (got?.status === 200 && (status === 'SUCCEEDED' || status === 'FAILED')) seenSettled.set(oldest, status);
      }
    };
    const clients = Array.from({ length: 8 }, client);
    while (acknowledged.length < 150) await sleep(20);
    first.child.kill('SIGKILL');
    killed = true;
    await first.exited;
    await Promise.all(clients);

    const second = await step('restart', start(dir, env));
    for (const id of acknowledged) {
      const got = await getTask(second.url, TEST_KEY, id);
      expect(got.body.output.task_status, id).not.toBe('UNKNOWN');
      const settled = seenSettled.get(id);
      if (settled) expect(got.body.output.task_status, id).toBe(settled);
    }
    expect(seenSettled.size).toBeGreaterThan(0);
  }, 90_000);

  it('fails a task with a clear code once it has been interrupted RETOUCH_MAX_ATTEMPTS times', async () => {
    const dir = newDir();
    const env = { RETOUCH_LEASE: '1s', RETOUCH_MAX_ATTEMPTS: '2', RETOUCH_WORKER_CONCURRENCY: '1' };
    let server = await start(dir, env);
    const image = await imageDataUri(400, 400);
    const id = (await createTask(server.url, TEST_KEY, createBody([image], 'hang', { n: 1 }))).body.output.task_id;
    let previousStart: string | undefined;
    for (let attempt = 0; attempt < 2; attempt++) {
      // Wait for a claim by *this* server: scheduled_time changes with every (re)start.
      const deadline = Date.now() + 20_000;
      for (;;) {
        const { output } = (await getTask(server.url, TEST_KEY, id)).body;
        if (output.task_status === 'RUNNING' && output.scheduled_time !== previousStart) {
          previousStart = output.scheduled_time;
          break;
        }
        if (Date.now() > deadline) throw new Error('task was not claimed again');
        await sleep(50);
      }
      server.child.kill('SIGKILL');
      await server.exited;
      server = await start(dir, env);
    }
    const done = await waitForStatus(server.url, TEST_KEY, id, ['FAILED', 'SUCCEEDED'], 20_000);
    expect(done.body.output).toMatchObject({ task_status: 'FAILED', code: 'InternalError.Interrupted' });
    expect(done.body.output.message).toMatch(/interrupted/);
  });
});

describe('graceful shutdown', () => {
  it('on SIGTERM stops accepting, lets a running edit finish and exits 0', async () => {
    const dir = newDir();
    const server = await start(dir, { RETOUCH_WORKER_CONCURRENCY: '1', RETOUCH_SHUTDOWN_GRACE: '20s' });
    const image = await imageDataUri(400, 400);
    const id = (await createTask(server.url, TEST_KEY, createBody([image], 'sleep=1200', { n: 1 }))).body.output.task_id;
    await waitForStatus(server.url, TEST_KEY, id, ['RUNNING']);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);

    const again = await start(dir);
    const res = await getTask(again.url, TEST_KEY, id);
    expect(res.body.output.task_status).toBe('SUCCEEDED');
  });

  it('hands a task that does not finish within the grace period back, and it runs after restart', async () => {
    const dir = newDir();
    const server = await start(dir, { RETOUCH_WORKER_CONCURRENCY: '1', RETOUCH_SHUTDOWN_GRACE: '300ms' });
    const image = await imageDataUri(400, 400);
    const id = (await createTask(server.url, TEST_KEY, createBody([image], 'sleep=4000', { n: 1 }))).body.output.task_id;
    await waitForStatus(server.url, TEST_KEY, id, ['RUNNING']);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);

    const again = await start(dir, { RETOUCH_WORKER_CONCURRENCY: '1' });
    // Handed back means PENDING (not RUNNING under a dead lease), so it starts at once.
    const done = await waitForStatus(again.url, TEST_KEY, id, ['SUCCEEDED', 'FAILED'], 20_000);
    expect(done.body.output.task_status).toBe('SUCCEEDED');
  });
});

describe('API keys', () => {
  it('prints a generated key once on first start, stores only its hash, and accepts it', async () => {
    const dir = newDir();
    const first = await start(dir, { RETOUCH_API_KEY: '' });
    const key = /\n\s+(sk-[0-9a-f]{48})\n/.exec(first.output())?.[1];
    expect(key).toBeDefined();
    const list = await call(`${first.url}/api/v1/tasks`, { key: key! });
    expect(list.status).toBe(200);
    first.child.kill('SIGTERM');
    await first.exited;

    const second = await start(dir, { RETOUCH_API_KEY: '' });
    expect(second.output()).not.toMatch(/sk-[0-9a-f]{48}/);
    const db = spawnSync('grep', ['-c', key!, join(dir, 'retouch.db')]);
    expect(db.stdout.toString().trim()).toBe('0');
  });

  it('creates, lists and revokes keys with the CLI; a revoked key is refused once the key cache bound has passed, not before', async () => {
    const dir = newDir();
    // In-process, with the key cache's monotonic clock in the test's hands: the bound is passed
    // by advancing it, not by sleeping past it.
    let cacheNow = 0;
    const server = await startTestServer({ RETOUCH_DATA_DIR: dir }, { keyCacheNow: () => cacheNow });
    servers.push(server);
    const cli = (...args: string[]) => spawnSync(process.execPath, [join(REPO_ROOT, 'bin/retouch.js'), ...args, '--data-dir', dir], { encoding: 'utf8' });

    const created = cli('keys', 'create', '--workspace', 'team-b', '--name', 'ci', '--json');
    expect(created.status).toBe(0);
    const info = JSON.parse(created.stdout) as { id: string; secret: string; workspaceId: string };
    expect(info.workspaceId).toBe('team-b');
    expect((await call(`${server.url}/api/v1/tasks`, { key: info.secret })).status).toBe(200);

    const listed = cli('keys', 'list', '--json');
    expect(listed.status).toBe(0);
    expect(JSON.parse(listed.stdout).map((k: { id: string }) => k.id)).toContain(info.id);
    expect(listed.stdout).not.toContain(info.secret);

    expect(cli('keys', 'revoke', info.id).status).toBe(0);
    // Another process revoked it: the server's key cache trusts its last lookup (at 0) for the
    // bound, and looks the key up again once it has passed.
    cacheNow = KEY_CACHE_TTL_MS - 1;
    expect((await call(`${server.url}/api/v1/tasks`, { key: info.secret })).status).toBe(200);
    cacheNow = KEY_CACHE_TTL_MS;
    const refused = await call(`${server.url}/api/v1/tasks`, { key: info.secret });
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('InvalidApiKey');
    expect(cli('keys', 'revoke', 'key-nope').status).toBe(1);
    // A workspace id that can never be valid is a usage error.
    const badWorkspace = cli('keys', 'create', '--workspace', 'team b');
    expect(badWorkspace.status).toBe(2);
    expect(badWorkspace.stderr).toBe('retouch: workspace ids are 1-64 letters, digits, "_" or "-"\n');
    // A mistyped --data-dir is said as such, and nothing is made there.
    const elsewhere = join(dir, 'typo');
    for (const args of [
      ['keys', 'list'],
      ['keys', 'revoke', info.id],
    ]) {
      const wrong = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/retouch.js'), ...args, '--data-dir', elsewhere], { encoding: 'utf8' });
      expect(wrong.status).toBe(1);
      expect(wrong.stderr).toContain(`no retouch database in ${elsewhere}`);
    }
    expect(existsSync(elsewhere)).toBe(false);
  });
});

describe('configuration', () => {
  it('refuses to start on an invalid setting and names the variable', async () => {
    const dir = newDir();
    const result = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/retouch.js'), 'serve', '--data-dir', dir], {
      env: { ...process.env, RETOUCH_PORT: 'eighty' },
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('RETOUCH_PORT');
    await sleep(1);
  });
});
