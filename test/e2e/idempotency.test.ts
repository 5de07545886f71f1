/**
 * Idempotency-Key on create (SQLite; PostgreSQL with two API nodes in
 * test/postgres/push-multi-node.test.ts): one task per key and body for 24 h, a clear error
 * for another body, keys per workspace, concurrent twins, expiry on an injected clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBody, createTask, expectError, imageDataUri, listTasks, NO_RATE_LIMITS } from '../helpers/http.js';
import { startSecServer, type SecServer } from '../security/helpers.js';

describe('Idempotency-Key on create', () => {
  let s: SecServer;
  let image = '';
  let now = Date.now();
  const clock = { now: () => now };
  const keyed = (key: string, body: unknown, apiKey = s.key) => createTask(s.url, apiKey, body, { 'Idempotency-Key': key });

  beforeAll(async () => {
    s = await startSecServer({ ...NO_RATE_LIMITS, RETOUCH_WORKER_CONCURRENCY: '0' }, clock);
    image = await imageDataUri(400, 400);
  });
  afterAll(() => s.close());

  it('answers a repeat with the original task: same id, HTTP 200, same body shape', async () => {
    const body = createBody([image], 'sleep=1 repeat', { n: 1 });
    const first = await keyed('key-repeat-1', body);
    const again = await keyed('key-repeat-1', body);
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body.output).toEqual({ task_status: 'PENDING', task_id: first.body.output.task_id });
    expect(Object.keys(again.body).sort()).toEqual(Object.keys(first.body).sort());
    expect(again.body.request_id).not.toBe(first.body.request_id);
    expect(first.headers.get('idempotency-key')).toBe('key-repeat-1');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    // The same JSON written differently (key order, spacing) is the same request.
    const reordered = `{ "parameters": {"n": 1}, "input": {"images": ["${image}"], "prompt": "sleep=1 repeat"}, "model": "retouch-test" }`;
    expect((await keyed('key-repeat-1', reordered)).body.output.task_id).toBe(first.body.output.task_id);
  });

  it('refuses the same key with another body (422 IdempotencyKey.Mismatch), keeping the first task', async () => {
    const first = await keyed('key-mismatch', createBody([image], 'sleep=1 one', { n: 1 }));
    const other = await keyed('key-mismatch', createBody([image], 'sleep=1 two', { n: 1 }));
    expectError(other, 422, 'IdempotencyKey.Mismatch');
    expect(other.headers.get('idempotency-key')).toBe('key-mismatch');
    // Another header meaning (oss:// resolution) is another request too.
    const oss = await createTask(s.url, s.key, createBody([image], 'sleep=1 one', { n: 1 }), {
      'Idempotency-Key': 'key-mismatch',
      'X-DashScope-OssResourceResolve': 'enable',
    });
    expectError(oss, 422, 'IdempotencyKey.Mismatch');
    expect((await keyed('key-mismatch', createBody([image], 'sleep=1 one', { n: 1 }))).body.output.task_id).toBe(first.body.output.task_id);
  });

  it('makes exactly one task of 20 concurrent identical creates', async () => {
    const body = createBody([image], 'sleep=1 concurrent', { n: 1 });
    const before = (await listTasks(s.url, s.key, { page_size: 100 })).body.total;
    const answers = await Promise.all(Array.from({ length: 20 }, () => keyed('key-concurrent', body)));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    const taskIds = new Set(answers.map((a) => a.body.output.task_id));
    expect(taskIds.size).toBe(1);
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === null)).toHaveLength(1);
    expect((await listTasks(s.url, s.key, { page_size: 100 })).body.total).toBe(before + 1);
  });

  it('scopes keys per workspace', async () => {
    const other = await s.addKey('team-idem');
    const body = createBody([image], 'sleep=1 scoped', { n: 1 });
    const mine = await keyed('key-scoped', body);
    const theirs = await keyed('key-scoped', body, other);
    expect(theirs.status).toBe(200);
    expect(theirs.body.output.task_id).not.toBe(mine.body.output.task_id);
  });

  it('does not bind a key to a create that failed: the retry is processed anew', async () => {
    const bad = createBody(['data:image/png;base64,AAAA'], 'sleep=1', { n: 1 });
    const first = await keyed('key-failed', bad);
    expect(first.status).toBe(400);
    const second = await keyed('key-failed', bad);
    expect(second.status).toBe(400);
    expect(second.body.code).toBe(first.body.code);
    const good = await keyed('key-failed', createBody([image], 'sleep=1', { n: 1 }));
    expect(good.status).toBe(200);
  });

  it('rejects malformed keys', async () => {
    for (const key of ['', 'has space', 'x'.repeat(256), 'naïve']) {
      const res = await createTask(s.url, s.key, createBody([image], 'sleep=1', { n: 1 }), { 'Idempotency-Key': key });
      expectError(res, 400, 'InvalidParameter', /Idempotency-Key/);
    }
  });

  it('a body nested too deeply to fingerprint is a 400, not a 500, and makes no task', async () => {
    const deep = `{"model":"retouch-test","input":{"prompt":"sleep=1","images":["${image}"]},"parameters":{"n":1,"x":${'['.repeat(20_000)}${']'.repeat(20_000)}}}`;
    const before = (await listTasks(s.url, s.key, { page_size: 1 })).body.total;
    expectError(await keyed('key-deep-1', deep), 400, 'InvalidParameter');
    expect((await listTasks(s.url, s.key, { page_size: 1 })).body.total).toBe(before);
  });

  it('forgets a key after 24 h: the same request then makes a new task', async () => {
    const body = createBody([image], 'sleep=1 expiry', { n: 1 });
    const first = await keyed('key-expiry', body);
    now += 24 * 3_600_000 - 1000;
    expect((await keyed('key-expiry', body)).body.output.task_id).toBe(first.body.output.task_id);
    now += 2000;
    const later = await keyed('key-expiry', body);
    expect(later.status).toBe(200);
    expect(later.headers.get('idempotent-replayed')).toBeNull();
    expect(later.body.output.task_id).not.toBe(first.body.output.task_id);
    expect((await keyed('key-expiry', body)).body.output.task_id).toBe(later.body.output.task_id);
  });
});
