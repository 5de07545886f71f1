/**
 * Secrets and isolation: workspaces cannot see each other's tasks; result links are bearer
 * tokens bound to one file; API keys are stored hashed; security headers on every response;
 * signing-key rotation (CLI) keeps live links working.
 */
import { inputBlobKey } from '../../src/blobs/keys.js';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createBody, createTask, getTask, imageDataUri, waitForStatus } from '../helpers/http.js';
import { REPO_ROOT, spawnServer, tempDataDir, TEST_KEY, type ChildServer } from '../helpers/server.js';
import { startSecServer, type SecServer } from './helpers.js';

describe('workspace isolation', () => {
  let s: SecServer;
  let other: string;
  const ids: Record<'done' | 'running' | 'pending', string> = { done: '', running: '', pending: '' };
  let resultUrl = '';

  beforeAll(async () => {
    s = await startSecServer({
      RETOUCH_WORKER_CONCURRENCY: '1',
      RETOUCH_SHUTDOWN_GRACE: '100ms',
      RETOUCH_RATE_LIMIT_QUERY: '0',
      RETOUCH_RATE_LIMIT_SUBMIT: '0',
    });
    other = await s.addKey('team-b');
    const image = await imageDataUri(400, 400);
    ids.done = (await createTask(s.url, s.key, createBody([image], 'sleep=1', { n: 1 }))).body.output.task_id;
    const done = await waitForStatus(s.url, s.key, ids.done);
    resultUrl = done.body.output.results[0].url;
    ids.running = (await createTask(s.url, s.key, createBody([image], 'hang', { n: 1 }))).body.output.task_id;
    await waitForStatus(s.url, s.key, ids.running, ['RUNNING']);
    ids.pending = (await createTask(s.url, s.key, createBody([image], 'sleep=1', { n: 1 }))).body.output.task_id;
  });
  afterAll(() => s.close());

  it('another workspace reads UNKNOWN (exactly like a task that does not exist) for every state', async () => {
    for (const id of Object.values(ids)) {
      const res = await getTask(s.url, other, id);
      expect(res.status).toBe(200);
      expect(res.body.output).toEqual({ task_id: id, task_status: 'UNKNOWN' });
      expect(JSON.stringify(res.body)).not.toMatch(/default|files|orig_prompt/);
    }
  });

  it('another workspace lists none of them, whatever the filters', async () => {
    for (const q of [
      '',
      '?page_size=100',
      ...Object.values(ids).map((id) => `?task_id=${id}`),
      '?status=PENDING',
      '?status=SUCCEEDED',
      '?model_name=retouch-test',
    ]) {
      const res = await call(`${s.url}/api/v1/tasks${q}`, { key: other });
      expect(res.status).toBe(200);
      expect(res.body.total).toBe(0);
      expect(res.body.data).toEqual([]);
    }
    const own = await call(`${s.url}/api/v1/tasks?page_size=100`, { key: s.key });
    expect(own.body.total).toBe(3);
  });

  it('another workspace cannot cancel (same answer as for an unknown id), and the task stays PENDING', async () => {
    const foreign = await call(`${s.url}/api/v1/tasks/${ids.pending}/cancel`, { method: 'POST', key: other });
    const unknown = await call(`${s.url}/api/v1/tasks/00000000-0000-0000-0000-000000000000/cancel`, { method: 'POST', key: other });
    expect(foreign.status).toBe(400);
    expect(foreign.body.code).toBe(unknown.body.code);
    expect(foreign.body.message).toBe(unknown.body.message);
    expect((await getTask(s.url, s.key, ids.pending)).body.output.task_status).toBe('PENDING');
  });

  it('a key cannot claim another workspace with X-DashScope-WorkSpace', async () => {
    const res = await call(`${s.url}/api/v1/tasks/${ids.done}`, { key: other, headers: { 'X-DashScope-WorkSpace': 'default' } });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('Workspace.AccessDenied');
  });

  it('result links are bearer tokens for exactly one file: any alteration, and the unsigned inputs, are refused', async () => {
    expect((await fetch(resultUrl)).status).toBe(200); // no API key needed: the link is the credential
    const u = new URL(resultUrl);
    const variants = [
      resultUrl.replace('.0.png', '.1.png'),
      resultUrl.replace(ids.done, ids.pending),
      resultUrl.replace('/results/', '/inputs/'),
      resultUrl.replace('/default/', '/team-b/'),
      `${u.origin}${u.pathname}`,
      `${u.origin}${u.pathname}?Expires=${Number(u.searchParams.get('Expires')) + 1}&OSSAccessKeyId=${u.searchParams.get('OSSAccessKeyId')}&Signature=${u.searchParams.get('Signature')}`,
      `${u.origin}/files/${inputBlobKey('default', ids.done, 0, 'png')}`,
    ];
    for (const v of variants) {
      const res = await fetch(v);
      expect([403, 404], v).toContain(res.status);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toHaveProperty('code');
    }
    for (const path of [
      '/files/../retouch.db',
      '/files/%2e%2e/retouch.db',
      '/files/..%2fretouch.db',
      '/files/default/../../retouch.db',
      '/files/signing-keys.json',
    ]) {
      const res = await fetch(`${u.origin}${path}`);
      expect([403, 404], path).toContain(res.status);
      expect(await res.text()).not.toMatch(/SQLite|secret/);
    }
  });

  it('stores API keys only as SHA-256 hashes', () => {
    const db = new Database(join(s.dataDir, 'retouch.db'), { readonly: true });
    try {
      const rows = db.prepare('SELECT hash, hint FROM api_keys').all() as { hash: string; hint: string }[];
      expect(rows.map((r) => r.hash)).toContain(createHash('sha256').update(TEST_KEY).digest('hex'));
      for (const r of rows) {
        expect(r.hash).toMatch(/^[0-9a-f]{64}$/);
        expect(r.hint.length).toBeLessThan(12);
      }
      const dump = JSON.stringify(db.prepare('SELECT * FROM api_keys').all());
      expect(dump).not.toContain(TEST_KEY);
      expect(dump).not.toContain(other);
    } finally {
      db.close();
    }
  });
});

describe('security headers', () => {
  let s: SecServer;
  beforeAll(async () => {
    s = await startSecServer({ RETOUCH_RATE_LIMIT_QUERY: '0', RETOUCH_RATE_LIMIT_SUBMIT: '0' });
  });
  afterAll(() => s.close());

  it('are on every kind of response; CSP on API, file and error responses', async () => {
    const image = await imageDataUri(400, 400);
    const id = (await createTask(s.url, s.key, createBody([image], 'sleep=1', { n: 1 }))).body.output.task_id;
    const done = await waitForStatus(s.url, s.key, id);
    const auth = { Authorization: `Bearer ${s.key}` };
    const responses: [string, Response][] = [
      ['task', await fetch(`${s.url}/api/v1/tasks/${id}`, { headers: auth })],
      ['list', await fetch(`${s.url}/api/v1/tasks`, { headers: auth })],
      ['401', await fetch(`${s.url}/api/v1/tasks`)],
      ['400', await fetch(`${s.url}/api/v1/tasks/${id}/cancel`, { method: 'POST', headers: auth })],
      ['unknown path', await fetch(`${s.url}/nope`)],
      ['wrong method', await fetch(`${s.url}/api/v1/tasks`, { method: 'DELETE' })],
      ['file', await fetch(done.body.output.results[0].url)],
      ['file 403', await fetch(`${s.url}/files/default/results/${id}/0.png`)],
      ['healthz', await fetch(`${s.url}/healthz`)],
    ];
    for (const [name, res] of responses) {
      expect(res.headers.get('x-content-type-options'), name).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), name).toBe('no-referrer');
      expect(res.headers.get('x-frame-options'), name).toBe('DENY');
      expect(res.headers.get('content-security-policy'), name).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(res.headers.get('x-request-id'), name).toMatch(/^[0-9a-f-]{36}$/);
      await res.arrayBuffer();
    }
  });
});

describe('signing-key rotation through the CLI', () => {
  const dir = tempDataDir();
  let server: ChildServer | undefined;
  afterAll(() => {
    if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('rotate-signing-key + restart: links signed before still download, new links use the new key id', async () => {
    server = await spawnServer(dir);
    const id = (await createTask(server.url, TEST_KEY, createBody([await imageDataUri(400, 400)], 'sleep=1', { n: 1 }))).body.output.task_id;
    const oldLink = new URL((await waitForStatus(server.url, TEST_KEY, id)).body.output.results[0].url);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);

    const rotated = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/retouch.js'), 'rotate-signing-key', '--data-dir', dir], { encoding: 'utf8' });
    expect(rotated.status).toBe(0);
    expect(rotated.stdout).toMatch(/2 key\(s\) kept/);

    server = await spawnServer(dir);
    // Same link, on the restarted server's (new) port: the signature covers the path and expiry only.
    const moved = `${server.url}${oldLink.pathname}${oldLink.search}`;
    const old = await fetch(moved);
    expect(old.status).toBe(200);
    expect(old.headers.get('content-type')).toBe('image/png');
    const newLink = new URL((await getTask(server.url, TEST_KEY, id)).body.output.results[0].url);
    expect(newLink.searchParams.get('OSSAccessKeyId')).not.toBe(oldLink.searchParams.get('OSSAccessKeyId'));
    expect((await fetch(newLink)).status).toBe(200);
    // A link signed with the old key id but the new signature (or vice versa) is refused.
    const mixed = `${server.url}${oldLink.pathname}?Expires=${oldLink.searchParams.get('Expires')}&OSSAccessKeyId=${newLink.searchParams.get('OSSAccessKeyId')}&Signature=${oldLink.searchParams.get('Signature')}`;
    expect((await fetch(mixed)).status).toBe(403);
  });

  it('rotate-signing-key pointed at a directory that holds no data says so, and creates nothing', () => {
    const missing = join(dir, 'no-such-data-dir');
    const rotated = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/retouch.js'), 'rotate-signing-key', '--data-dir', missing], { encoding: 'utf8' });
    expect(rotated.status).toBe(1);
    expect(rotated.stderr).toBe(
      `retouch: no retouch database in ${missing} (expected ${join(missing, 'retouch.db')}): pass the server's --data-dir or RETOUCH_DATA_DIR\n`,
    );
    expect(existsSync(missing)).toBe(false);
  });
});
