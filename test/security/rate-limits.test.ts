/**
 * Quotas per workspace: the RateLimiter port (GCRA, in memory), 429 Throttling.RateQuota with
 * Retry-After over HTTP (5 submissions/s, 20 queries/s shared by get/list/cancel), and the
 * running cap (5 tasks of a workspace at once; the rest wait PENDING, none is refused).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryRateLimiter } from '../../src/limits/memory/memory-rate-limiter.js';
import { call, CREATE_PATH, createBody, createTask, imageDataUri, waitForStatus } from '../helpers/http.js';
import { startSecServer, type SecServer } from './helpers.js';

const servers: SecServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

describe('RateLimiter (in-memory adapter)', () => {
  it('admits a burst of `limit`, then refuses with the time until the next slot', async () => {
    const limiter = createMemoryRateLimiter();
    const t = 1_000_000;
    for (let i = 0; i < 5; i++) expect(await limiter.take('k', 5, 1000, t)).toEqual({ allowed: true, retryAfterMs: 0 });
    expect(await limiter.take('k', 5, 1000, t)).toEqual({ allowed: false, retryAfterMs: 200 });
    expect((await limiter.take('k', 5, 1000, t + 199)).allowed).toBe(false);
    expect((await limiter.take('k', 5, 1000, t + 200)).allowed).toBe(true);
    // Keys are independent.
    expect((await limiter.take('other', 5, 1000, t)).allowed).toBe(true);
    // A limit of 0 means "no limit".
    for (let i = 0; i < 100; i++) expect((await limiter.take('free', 0, 1000, t)).allowed).toBe(true);
  });

  it('property: never admits more than limit + elapsed·limit/window requests, and retryAfter is exact', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 10, max: 5000 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 200 }),
        async (limit, windowMs, gaps) => {
          const limiter = createMemoryRateLimiter({ sweepAt: 3 });
          let now = 0;
          let admitted = 0;
          for (const gap of gaps) {
            now += gap;
            const d = await limiter.take('k', limit, windowMs, now);
            if (d.allowed) admitted++;
            else expect(d.retryAfterMs).toBeGreaterThan(0);
            expect(admitted).toBeLessThanOrEqual(limit + Math.floor((now * limit) / windowMs));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: a refused caller that waits retryAfterMs is admitted', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 10, max: 3000 }),
        fc.integer({ min: 1, max: 100 }),
        async (limit, windowMs, burst) => {
          const limiter = createMemoryRateLimiter();
          let refused: number | undefined;
          for (let i = 0; i < limit + burst && refused === undefined; i++) {
            const d = await limiter.take('k', limit, windowMs, 0);
            if (!d.allowed) refused = d.retryAfterMs;
          }
          expect(refused).toBeDefined();
          expect((await limiter.take('k', limit, windowMs, refused! - 1)).allowed).toBe(false);
          expect((await limiter.take('k', limit, windowMs, refused!)).allowed).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('sweeps idle keys so memory stays bounded by the keys active within one window', async () => {
    const limiter = createMemoryRateLimiter({ sweepAt: 100 });
    for (let i = 0; i < 10_000; i++) await limiter.take(`k${i}`, 5, 1000, i * 1000);
    // Indirect check: an old key behaves like a new one (full burst available again).
    for (let i = 0; i < 5; i++) expect((await limiter.take('k0', 5, 1000, 10_000_000)).allowed).toBe(true);
  });
});

describe('HTTP rate limits (defaults: 5 submissions/s, 20 queries/s per workspace)', () => {
  async function server() {
    let now = Date.UTC(2026, 0, 1);
    const clock = { now: () => now, advance: (ms: number) => (now += ms) };
    const s = await startSecServer({ RETOUCH_WORKER_CONCURRENCY: '0' }, clock);
    servers.push(s);
    return { s, clock };
  }
  const submit = (s: SecServer, key: string, body: unknown = { model: 'retouch-test' }) =>
    s.server.app.inject({
      method: 'POST',
      url: CREATE_PATH,
      headers: { authorization: `Bearer ${key}`, 'x-dashscope-async': 'enable', 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });

  it('answers the 6th submission in a second with 429 Throttling.RateQuota, Retry-After and a JSON body', async () => {
    const { s, clock } = await server();
    for (let i = 0; i < 5; i++) expect((await submit(s, s.key)).statusCode).toBe(400); // invalid body, but admitted
    const refused = await submit(s, s.key);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^application\/json/);
    expect(refused.headers['retry-after']).toBe('1');
    const body = refused.json();
    expect(body).toEqual({
      request_id: refused.headers['x-request-id'],
      code: 'Throttling.RateQuota',
      message: 'Requests rate limit exceeded, please try again later.',
    });
    clock.advance(200);
    expect((await submit(s, s.key)).statusCode).toBe(400);
    expect((await submit(s, s.key)).statusCode).toBe(429);
  });

  it('limits per workspace: another workspace is not throttled by the first one', async () => {
    const { s } = await server();
    const other = await s.addKey('team-b');
    for (let i = 0; i < 6; i++) await submit(s, s.key);
    expect((await submit(s, s.key)).statusCode).toBe(429);
    expect((await submit(s, other)).statusCode).toBe(400);
  });

  it('checks the key before the limit: unauthenticated requests get 401 and use no quota', async () => {
    const { s } = await server();
    for (let i = 0; i < 50; i++) expect((await submit(s, 'sk-wrong-key')).statusCode).toBe(401);
    expect((await submit(s, s.key)).statusCode).toBe(400);
  });

  it('throttles a submission before reading its body (a 30 MB body is refused at once)', async () => {
    const { s } = await server();
    for (let i = 0; i < 5; i++) await submit(s, s.key);
    const big = JSON.stringify({ model: 'retouch-test', input: { prompt: 'x', images: ['data:image/png;base64,' + 'A'.repeat(30 * 1024 * 1024)] } });
    const res = await submit(s, s.key, JSON.parse(big));
    expect(res.statusCode).toBe(429);
  });

  it('shares 20 queries/s between get, list and cancel', async () => {
    const { s, clock } = await server();
    const q = (method: 'GET' | 'POST', url: string) => s.server.app.inject({ method, url, headers: { authorization: `Bearer ${s.key}` } });
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) codes.push((await q('GET', '/api/v1/tasks/nope')).statusCode);
    for (let i = 0; i < 7; i++) codes.push((await q('GET', '/api/v1/tasks')).statusCode);
    for (let i = 0; i < 6; i++) codes.push((await q('POST', '/api/v1/tasks/nope/cancel')).statusCode);
    expect(codes.filter((c) => c === 429)).toHaveLength(0);
    const over = [await q('GET', '/api/v1/tasks/nope'), await q('GET', '/api/v1/tasks'), await q('POST', '/api/v1/tasks/x/cancel')];
    expect(over.map((r) => r.statusCode)).toEqual([429, 429, 429]);
    expect(over.every((r) => r.json().code === 'Throttling.RateQuota' && r.headers['retry-after'] === '1')).toBe(true);
    // Submissions have their own budget.
    expect((await submit(s, s.key)).statusCode).toBe(400);
    clock.advance(1000);
    expect((await q('GET', '/api/v1/tasks')).statusCode).toBe(200);
  });

  it('is configurable: RETOUCH_RATE_LIMIT_SUBMIT=1, and 0 turns a limit off', async () => {
    const now = Date.UTC(2026, 0, 1);
    const s = await startSecServer({ RETOUCH_WORKER_CONCURRENCY: '0', RETOUCH_RATE_LIMIT_SUBMIT: '1', RETOUCH_RATE_LIMIT_QUERY: '0' }, { now: () => now });
    servers.push(s);
    expect((await submit(s, s.key)).statusCode).toBe(400);
    expect((await submit(s, s.key)).statusCode).toBe(429);
    for (let i = 0; i < 100; i++) {
      expect((await s.server.app.inject({ method: 'GET', url: '/api/v1/tasks', headers: { authorization: `Bearer ${s.key}` } })).statusCode).toBe(200);
    }
  });
});

describe("running cap (5 per workspace; the lead's claim in the TaskQueue)", () => {
  it('runs at most 5 tasks of one workspace at once; the others wait PENDING and all finish; other workspaces are not blocked', async () => {
    const s = await startSecServer({ RETOUCH_WORKER_CONCURRENCY: '8', RETOUCH_RATE_LIMIT_SUBMIT: '0', RETOUCH_RATE_LIMIT_QUERY: '0' });
    servers.push(s);
    const other = await s.addKey('team-b');
    const image = await imageDataUri(400, 400);
    const ids: string[] = [];
    for (let i = 0; i < 9; i++) {
      const res = await createTask(s.url, s.key, createBody([image], 'sleep=1200', { n: 1 }));
      expect(res.status).toBe(200);
      ids.push(res.body.output.task_id);
    }
    const otherId = (await createTask(s.url, other, createBody([image], 'sleep=1200', { n: 1 }))).body.output.task_id as string;
    let maxRunning = 0;
    let sawOtherRunningWhileFull = false;
    const deadline = Date.now() + 20_000;
    for (;;) {
      const list = await call(`${s.url}/api/v1/tasks?page_size=100`, { key: s.key });
      const statuses = (list.body.data as { status: string }[]).map((t) => t.status);
      const running = statuses.filter((x) => x === 'RUNNING').length;
      maxRunning = Math.max(maxRunning, running);
      if (running === 5) {
        const o = await call(`${s.url}/api/v1/tasks/${otherId}`, { key: other });
        if (o.body.output.task_status === 'RUNNING') sawOtherRunningWhileFull = true;
      }
      if (statuses.every((x) => x === 'SUCCEEDED')) break;
      expect(statuses.every((x) => ['PENDING', 'RUNNING', 'SUCCEEDED'].includes(x))).toBe(true);
      if (Date.now() > deadline) throw new Error(`not done: ${statuses.join(',')}`);
      await sleep(40);
    }
    expect(maxRunning).toBe(5);
    expect(sawOtherRunningWhileFull).toBe(true);
    for (const id of ids) expect((await waitForStatus(s.url, s.key, id)).body.output.task_status).toBe('SUCCEEDED');
  });
});
