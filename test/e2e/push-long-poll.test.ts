/**
 * Long-poll on GET /api/v1/tasks/{id} (`?wait=N`, `Prefer: wait=N`): returns when the task
 * changes or at the deadline, with exactly the normal GET body; capped; no hint = unchanged.
 * Workers are off (concurrency 0) where a task must stay PENDING until the test moves it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, cancelTask, createBody, createTask, expectError, imageDataUri, NO_RATE_LIMITS } from '../helpers/http.js';
import { startSecServer, type SecServer } from '../security/helpers.js';

const withoutRequestId = (body: any) => ({ ...body, request_id: undefined });

describe('long-poll', () => {
  let s: SecServer;
  let image = '';
  const pending = async () => (await createTask(s.url, s.key, createBody([image], 'sleep=1', { n: 1 }))).body.output.task_id as string;
  const get = (id: string, query = '', headers: Record<string, string> = {}) => call(`${s.url}/api/v1/tasks/${id}${query}`, { key: s.key, headers });

  beforeAll(async () => {
    s = await startSecServer({ ...NO_RATE_LIMITS, RETOUCH_WORKER_CONCURRENCY: '0', RETOUCH_LONG_POLL_MAX_WAIT: '2s' });
    image = await imageDataUri(400, 400);
  });
  afterAll(() => s.close());

  it('returns as soon as the task changes (here: cancelled while waiting)', async () => {
    const id = await pending();
    const waiting = get(id, '?wait=2');
    // The wait is capped at 2 s; the cancel lands well within it.
    await new Promise((r) => setTimeout(r, 300));
    expect((await cancelTask(s.url, s.key, id)).status).toBe(200);
    const res = await waiting;
    expect(res.status).toBe(200);
    expect(res.body.output.task_status).toBe('CANCELED');
    expect(res.headers.get('preference-applied')).toBe('wait=2');
  });

  it('returns at the deadline with the unchanged state, in exactly the normal GET body', async () => {
    const id = await pending();
    const waited = await get(id, '', { Prefer: 'wait=1' });
    const plain = await get(id);
    expect(waited.headers.get('preference-applied')).toBe('wait=1');
    expect(waited.body.output.task_status).toBe('PENDING');
    expect(withoutRequestId(waited.body)).toEqual(withoutRequestId(plain.body));
    expect(Object.keys(waited.body)).toEqual(Object.keys(plain.body));
  });

  it('caps the wait (RETOUCH_LONG_POLL_MAX_WAIT) and says so in Preference-Applied', async () => {
    const id = await pending();
    const res = await get(id, '', { Prefer: 'respond-async, wait=600' });
    expect(res.headers.get('preference-applied')).toBe('wait=2');
    expect(res.body.output.task_status).toBe('PENDING');
  });

  it('answers a final or unknown task at once', async () => {
    const id = await pending();
    await cancelTask(s.url, s.key, id);
    const done = await get(id, '?wait=600');
    expect(done.body.output.task_status).toBe('CANCELED');
    const unknown = await get('00000000-0000-4000-8000-000000000000', '?wait=600');
    expect(unknown.body.output.task_status).toBe('UNKNOWN');
  });

  it('leaves a GET without a hint as it was: no Preference-Applied, same headers', async () => {
    const id = await pending();
    const plain = await get(id);
    expect(plain.headers.get('preference-applied')).toBeNull();
    const names: string[] = [];
    plain.headers.forEach((_value, name) => names.push(name));
    names.sort();
    expect(names).toEqual(
      [
        'cache-control',
        'connection',
        'content-length',
        'content-security-policy',
        'content-type',
        'date',
        'keep-alive',
        'referrer-policy',
        'x-content-type-options',
        'x-frame-options',
        'x-request-id',
      ].sort(),
    );
    // wait=0 is no wait; an unreadable Prefer is ignored (RFC 7240), a malformed ?wait= is an error.
    expect((await get(id, '?wait=0')).headers.get('preference-applied')).toBeNull();
    expect((await get(id, '', { Prefer: 'wait=soon' })).headers.get('preference-applied')).toBeNull();
    expectError(await get(id, '?wait=abc'), 400, 'InvalidParameter', 'Parameter wait must be a whole number of seconds.');
  });
});

describe('long-poll and the query rate limit', () => {
  it('counts a long-poll once, however long it waits', async () => {
    // A frozen clock: the limiter (2 queries per second, bursts of 2) never refills, so every
    // admitted request shows in what is left.
    const frozen = Date.now();
    const s = await startSecServer({ RETOUCH_RATE_LIMIT_QUERY: '2', RETOUCH_RATE_LIMIT_SUBMIT: '0', RETOUCH_WORKER_CONCURRENCY: '0' }, { now: () => frozen });
    try {
      const image = await imageDataUri(400, 400);
      const id = (await createTask(s.url, s.key, createBody([image], 'sleep=1', { n: 1 }))).body.output.task_id;
      const waited = await call(`${s.url}/api/v1/tasks/${id}?wait=1`, { key: s.key });
      expect(waited.headers.get('preference-applied')).toBe('wait=1');
      expect((await call(`${s.url}/api/v1/tasks/${id}`, { key: s.key })).status).toBe(200);
      expectError(await call(`${s.url}/api/v1/tasks/${id}`, { key: s.key }), 429, 'Throttling.RateQuota');
    } finally {
      await s.close();
    }
  });
});

describe('long-poll with a worker', () => {
  it('follows a task to its end with one answer per change', async () => {
    const s = await startSecServer({ ...NO_RATE_LIMITS, RETOUCH_WORKER_CONCURRENCY: '1', RETOUCH_LONG_POLL_MAX_WAIT: '30s' });
    try {
      const image = await imageDataUri(400, 400);
      const id = (await createTask(s.url, s.key, createBody([image], 'sleep=300', { n: 2 }))).body.output.task_id;
      const seen: string[] = [];
      for (;;) {
        const res = await call(`${s.url}/api/v1/tasks/${id}?wait=30`, { key: s.key });
        const o = res.body.output;
        seen.push(`${o.task_status}:${o.task_metrics?.SUCCEEDED ?? 0}`);
        if (['SUCCEEDED', 'FAILED'].includes(o.task_status)) break;
      }
      // No answer repeats the previous one: each came back because something changed.
      for (let i = 1; i < seen.length; i++) expect(seen[i]).not.toBe(seen[i - 1]);
      expect(seen.at(-1)).toBe('SUCCEEDED:2');
    } finally {
      await s.close();
    }
  });

  it('a waiting long-poll does not hold up close(): it is answered and the server stops', async () => {
    const s = await startSecServer({ ...NO_RATE_LIMITS, RETOUCH_WORKER_CONCURRENCY: '0', RETOUCH_LONG_POLL_MAX_WAIT: '60s' });
    const image = await imageDataUri(400, 400);
    const id = (await createTask(s.url, s.key, createBody([image], 'sleep=1', { n: 1 }))).body.output.task_id;
    const waiting = call(`${s.url}/api/v1/tasks/${id}?wait=60`, { key: s.key });
    await new Promise((r) => setTimeout(r, 200));
    await s.close();
    const res = await waiting;
    expect(res.body.output.task_status).toBe('PENDING');
  });
});
