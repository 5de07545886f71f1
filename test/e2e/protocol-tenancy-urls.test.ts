/**
 * Tenant isolation (protocol.md §2.1: tasks of other accounts cannot be queried) and the signed
 * result URLs (§2.3, §5): download, content type/length, tampering, expiry.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { KEY_CACHE_TTL_MS } from '../../src/auth/key-cache.js';
import { createKeyStore } from '../../src/auth/key-store.js';
import { createSqliteKeyRepository } from '../../src/auth/sqlite/sqlite-key-repository.js';
import { openSqlite } from '../../src/db/sqlite/database.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import {
  call,
  cancelTask,
  createBody,
  createTask,
  dataUri,
  download,
  expectError,
  getTask,
  listTasks,
  pollUntil,
  testImage,
  UUID_RE,
  waitForStatus,
  NO_RATE_LIMITS,
} from '../helpers/http.js';

let img: string;
beforeAll(async () => {
  img = dataUri(await testImage(400, 400, 'png'), 'image/png');
});

/** Adds a key to the server's data dir from outside, as `retouch keys create` would. */
async function addKey(dataDir: string, workspaceId: string) {
  const db = openSqlite(join(dataDir, 'retouch.db'), 'NORMAL');
  try {
    return await createKeyStore(createSqliteKeyRepository(db)).create({ workspaceId, name: 'test', now: Date.now() });
  } finally {
    db.close();
  }
}

async function revokeKey(dataDir: string, id: string) {
  const db = openSqlite(join(dataDir, 'retouch.db'), 'NORMAL');
  try {
    return await createKeyStore(createSqliteKeyRepository(db)).revoke(id, Date.now());
  } finally {
    db.close();
  }
}

async function create(s: TestServer, key: string, prompt: string, parameters: Record<string, unknown> = { n: 1 }) {
  const res = await createTask(s.url, key, createBody([img], prompt, parameters));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.output.task_id as string;
}

describe('tenant isolation', () => {
  let s: TestServer;
  let keyA: string; // default workspace (the server's key)
  let keyA2: string; // a second key of the same workspace
  let keyB: string; // workspace "other"
  let keyA2Id: string;

  beforeAll(async () => {
    s = await startTestServer({ ...NO_RATE_LIMITS, RETOUCH_WORKER_CONCURRENCY: '1', RETOUCH_SHUTDOWN_GRACE: '1s' });
    keyA = s.key;
    const a2 = await addKey(s.dataDir, 'default');
    keyA2 = a2.secret;
    keyA2Id = a2.info.id;
    keyB = (await addKey(s.dataDir, 'other')).secret;
  });
  afterAll(async () => {
    await s?.close();
  });

  it("another workspace cannot see, list or cancel a task; the same workspace's other key can see it", async () => {
    const blocker = await create(s, keyA, 'sleep=2000');
    const pendingA = await create(s, keyA, 'plain');
    await waitForStatus(s.url, keyA, blocker, ['RUNNING'], 5_000);

    // GET with key B → UNKNOWN (HTTP 200), exactly like a task that does not exist.
    const seen = await getTask(s.url, keyB, pendingA);
    expect(seen.status).toBe(200);
    expect(seen.body.output).toEqual({ task_id: pendingA, task_status: 'UNKNOWN' });

    // Cancel with key B → 400, and the task is untouched.
    expectError(await cancelTask(s.url, keyB, pendingA), 400, 'UnsupportedOperation');
    expect((await getTask(s.url, keyA, pendingA)).body.output.task_status).toBe('PENDING');

    // List with key B excludes A's tasks, even when asked for them by id.
    const listB = await listTasks(s.url, keyB);
    expect(listB.status).toBe(200);
    expect(listB.body.data.map((d: { task_id: string }) => d.task_id)).not.toContain(pendingA);
    expect(listB.body.total).toBe(0);
    expect((await listTasks(s.url, keyB, { task_id: pendingA })).body.total).toBe(0);

    // The same workspace's other key sees everything.
    expect((await getTask(s.url, keyA2, pendingA)).body.output.task_status).toBe('PENDING');
    const listA2 = await listTasks(s.url, keyA2);
    expect(listA2.body.data.map((d: { task_id: string }) => d.task_id)).toEqual(expect.arrayContaining([blocker, pendingA]));

    const done = await waitForStatus(s.url, keyA, pendingA);
    expect(done.body.output.task_status).toBe('SUCCEEDED');
    expect((await getTask(s.url, keyB, pendingA)).body.output.task_status).toBe('UNKNOWN');
    expectError(await cancelTask(s.url, keyB, pendingA), 400, 'UnsupportedOperation');

    // The result URL is a bearer link: it downloads without (or with any) key.
    const url = done.body.output.results[0].url as string;
    expect((await download(url)).status).toBe(200);
    expect((await download(url, { Authorization: `Bearer ${keyB}` })).status).toBe(200);
  });

  it("B's own tasks are B's: A cannot see them; api_key_id tells keys apart", async () => {
    const idB = await create(s, keyB, 'plain');
    const doneB = await waitForStatus(s.url, keyB, idB);
    expect(doneB.body.output.task_status).toBe('SUCCEEDED');
    expect((await getTask(s.url, keyA, idB)).body.output.task_status).toBe('UNKNOWN');
    expect((await listTasks(s.url, keyA, { task_id: idB })).body.total).toBe(0);
    const listB = await listTasks(s.url, keyB);
    expect(listB.body.data.map((d: { task_id: string }) => d.task_id)).toEqual([idB]);

    const idA2 = await create(s, keyA2, 'plain');
    await waitForStatus(s.url, keyA, idA2);
    const item = (await listTasks(s.url, keyA, { task_id: idA2 })).body.data[0];
    expect(item.api_key_id).toBe(keyA2Id);
    const first = (await listTasks(s.url, keyA)).body.data.find((d: { task_id: string }) => d.task_id !== idA2);
    expect(first.api_key_id).not.toBe(keyA2Id);
  });

  it('X-DashScope-WorkSpace naming another workspace → 403 on every endpoint; its own → fine', async () => {
    const ws = { 'X-DashScope-WorkSpace': 'other' };
    const id = await create(s, keyA, 'plain');
    expectError(await createTask(s.url, keyA, createBody([img], 'plain', { n: 1 }), ws), 403, /AccessDenied$/);
    expectError(await call(`${s.url}/api/v1/tasks/${id}`, { key: keyA, headers: ws }), 403, /AccessDenied$/);
    expectError(await call(`${s.url}/api/v1/tasks`, { key: keyA, headers: ws }), 403, /AccessDenied$/);
    expectError(await cancelTask(s.url, keyA, id, ws), 403, /AccessDenied$/);
    const own = await call(`${s.url}/api/v1/tasks/${id}`, { key: keyA, headers: { 'X-DashScope-WorkSpace': 'default' } });
    expect(own.status).toBe(200);
    expect(own.body.output.task_id).toBe(id);
    const ownB = await createTask(s.url, keyB, createBody([img], 'plain', { n: 1 }), ws);
    expect(ownB.status).toBe(200);
  });

  it('a revoked key → 401 InvalidApiKey within the key cache bound; the workspace keeps its tasks', async () => {
    const id = await create(s, keyA2, 'plain');
    expect(await revokeKey(s.dataDir, keyA2Id)).toBe(true);
    // Revoked behind the server's back (another process): its key cache trusts the last lookup for at most the bound.
    await sleep(KEY_CACHE_TTL_MS + 50);
    expectError(await getTask(s.url, keyA2, id), 401, 'InvalidApiKey', 'Invalid API-key provided.');
    expectError(await createTask(s.url, keyA2, createBody([img], 'plain', { n: 1 })), 401, 'InvalidApiKey');
    expectError(await call(`${s.url}/api/v1/tasks`, { key: keyA2 }), 401, 'InvalidApiKey');
    expect((await getTask(s.url, keyA, id)).body.output.task_id).toBe(id);
  });
});

describe('result URLs', () => {
  let s: TestServer;
  let urls: string[];
  let otherTaskUrl: string;

  beforeAll(async () => {
    s = await startTestServer({ ...NO_RATE_LIMITS, RETOUCH_WORKER_CONCURRENCY: '2', RETOUCH_SHUTDOWN_GRACE: '1s' });
    const done = await waitForStatus(s.url, s.key, await create(s, s.key, 'plain', { n: 2, size: '1024*768' }));
    expect(done.body.output.task_status).toBe('SUCCEEDED');
    urls = done.body.output.results.map((r: { url: string }) => r.url);
    const other = await waitForStatus(s.url, s.key, await create(s, s.key, 'plain', { n: 1 }));
    otherTaskUrl = other.body.output.results[0].url;
  });
  afterAll(async () => {
    await s?.close();
  });

  const expectDenied = async (url: string, message?: RegExp) => {
    const res = await call(url);
    expectError(res, 403, /AccessDenied/, message);
  };

  it('download → 200 image/png with the right Content-Length, a valid PNG of the task size', async () => {
    for (const url of urls) {
      expect(url.startsWith(s.url)).toBe(true);
      const d = await download(url);
      expect(d.status).toBe(200);
      expect(d.headers.get('content-type')).toBe('image/png');
      expect(d.headers.get('x-request-id')).toMatch(UUID_RE);
      expect(Number(d.headers.get('content-length'))).toBe(d.bytes.length);
      expect(d.bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      const meta = await sharp(d.bytes).metadata();
      expect(meta.format).toBe('png');
      expect([meta.width, meta.height]).toEqual([1024, 768]);
      // Fully decodable.
      const raw = await sharp(d.bytes).raw().toBuffer();
      expect(raw.length).toBe(1024 * 768 * (meta.channels ?? 3));
    }
  });

  it('a tampered Signature → 403 JSON error', async () => {
    const u = new URL(urls[0]!);
    const sig = u.searchParams.get('Signature')!;
    u.searchParams.set('Signature', (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1));
    await expectDenied(u.toString());
    u.searchParams.set('Signature', '');
    await expectDenied(u.toString());
  });

  it('a tampered Expires → 403 JSON error (not reported as a valid link)', async () => {
    const u = new URL(urls[0]!);
    u.searchParams.set('Expires', String(Number(u.searchParams.get('Expires')) + 3600));
    await expectDenied(u.toString());
    u.searchParams.set('Expires', 'soon');
    await expectDenied(u.toString());
  });

  it('a tampered OSSAccessKeyId → 403 JSON error', async () => {
    const u = new URL(urls[0]!);
    u.searchParams.set('OSSAccessKeyId', 'LTAI-not-ours');
    await expectDenied(u.toString());
  });

  it("a signature moved to another path (another index or another task's file) → 403", async () => {
    const a = new URL(urls[0]!);
    const b = new URL(urls[1]!);
    await expectDenied(`${b.origin}${b.pathname}${a.search}`);
    const other = new URL(otherTaskUrl);
    await expectDenied(`${other.origin}${other.pathname}${a.search}`);
    // An input image of the same task, with the result's signature.
    await expectDenied(`${a.origin}${a.pathname.replace('/results/', '/inputs/')}${a.search}`);
  });

  it('no query / a missing parameter → 403 JSON error', async () => {
    const u = new URL(urls[0]!);
    await expectDenied(`${u.origin}${u.pathname}`);
    for (const name of ['Expires', 'OSSAccessKeyId', 'Signature']) {
      const v = new URL(urls[0]!);
      v.searchParams.delete(name);
      await expectDenied(v.toString());
    }
  });

  it('a path escaping the blob store never serves a file', async () => {
    const u = new URL(urls[0]!);
    for (const path of ['/files/%2e%2e/retouch.db', '/files/default/..%2f..%2fretouch.db', '/files/signing-keys.json']) {
      const res = await call(`${u.origin}${path}${u.search}`);
      expect([403, 404]).toContain(res.status);
      expect(res.body.request_id).toMatch(UUID_RE);
    }
  });
});

describe('result URL expiry', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ ...NO_RATE_LIMITS, RETOUCH_RESULT_URL_TTL: '1s', RETOUCH_WORKER_CONCURRENCY: '1', RETOUCH_SHUTDOWN_GRACE: '1s' });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('an expired link → 403 with an "expired" message, while the task itself is still queryable', async () => {
    const done = await waitForStatus(s.url, s.key, await create(s, s.key, 'plain'));
    expect(done.body.output.task_status).toBe('SUCCEEDED');
    const url = done.body.output.results[0].url as string;
    const expires = Number(new URL(url).searchParams.get('Expires')) * 1000;
    const end = Date.parse(done.body.output.end_time.replace(' ', 'T') + '+08:00');
    // Valid about 1 s after end_time (Expires has a 1-second resolution).
    expect(expires).toBeGreaterThan(end - 1000);
    expect(expires).toBeLessThanOrEqual(end + 2000);
    const res = await pollUntil(
      () => call(url),
      (r) => r.status !== 200,
      4_000,
      'link expiry',
    );
    expect(Date.now()).toBeGreaterThanOrEqual(expires - 50);
    expectError(res, 403, /AccessDenied/, /expired/i);
    // The task outlives its links (retention is 24 h here).
    expect((await getTask(s.url, s.key, done.body.output.task_id)).body.output.task_status).toBe('SUCCEEDED');
  });
});
