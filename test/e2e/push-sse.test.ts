/**
 * Server-sent events on one node (SQLite, in-process notifications): per-task and
 * workspace-wide streams, event ids and resume with Last-Event-ID, heartbeats, auth, capacity,
 * and clean-up when the server closes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBody, createTask, expectError, getTask, imageDataUri, NO_RATE_LIMITS, waitForStatus, call, pollUntil } from '../helpers/http.js';
import { startSecServer, type SecServer } from '../security/helpers.js';
import { openSse, statusOf, type SseEvent } from '../helpers/sse.js';
import { join } from 'node:path';
import { createKeyStore } from '../../src/auth/key-store.js';
import { createSqliteKeyRepository } from '../../src/auth/sqlite/sqlite-key-repository.js';
import { openSqlite } from '../../src/db/sqlite/database.js';

const withoutRequestId = (body: any) => ({ ...body, request_id: undefined });
const ids = (events: SseEvent[]) => events.map((e) => Number(e.id));

describe('SSE: GET /api/v1/tasks/{id}/events', () => {
  let s: SecServer;
  let image = '';
  const auth = () => ({ Authorization: `Bearer ${s.key}` });
  const eventsUrl = (id: string) => `${s.url}/api/v1/tasks/${id}/events`;

  beforeAll(async () => {
    s = await startSecServer({ ...NO_RATE_LIMITS, RETOUCH_WORKER_CONCURRENCY: '1', RETOUCH_SSE_HEARTBEAT: '150ms', RETOUCH_SHUTDOWN_GRACE: '100ms' });
    image = await imageDataUri(400, 400);
  });
  afterAll(() => s.close());

  it('streams every state up to the final one, with increasing ids, and data equal to the GET body', async () => {
    const id = (await createTask(s.url, s.key, createBody([image], 'sleep=300', { n: 3 }))).body.output.task_id;
    const stream = await openSse(eventsUrl(id), auth());
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    await stream.ended;
    const events = stream.events;
    expect(events.every((e) => e.event === 'task')).toBe(true);
    const seen = ids(events);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(new Set(seen).size).toBe(seen.length);
    // Each finished image is its own event while the task runs.
    const running = events.filter((e) => statusOf(e) === 'RUNNING').map((e) => e.body.output.task_metrics.SUCCEEDED);
    expect(running).toEqual(expect.arrayContaining([1, 2]));
    const last = events.at(-1)!;
    expect(statusOf(last)).toBe('SUCCEEDED');
    expect(events.filter((e) => statusOf(e) === 'SUCCEEDED')).toHaveLength(1);
    const get = await getTask(s.url, s.key, id);
    expect(withoutRequestId(last.body)).toEqual(withoutRequestId(get.body));
    expect(last.body.request_id).toBe(stream.headers.get('x-request-id'));
  });

  it('resumes with Last-Event-ID: the current state at once when it changed since, then on to the end', async () => {
    const id = (await createTask(s.url, s.key, createBody([image], 'sleep=400', { n: 3 }))).body.output.task_id;
    const first = await openSse(eventsUrl(id), auth());
    const [initial] = await first.until((e) => e.length >= 1);
    first.close();
    // Progress happens while the client is away.
    await pollUntil(
      () => getTask(s.url, s.key, id),
      (r) => r.body.output.task_metrics?.SUCCEEDED >= 1,
      15_000,
      'one image done',
    );
    const resumed = await openSse(eventsUrl(id), { ...auth(), 'Last-Event-ID': initial!.id! });
    await resumed.ended;
    expect(resumed.events.length).toBeGreaterThan(0);
    expect(Number(resumed.events[0]!.id)).toBeGreaterThan(Number(initial!.id));
    expect(resumed.events[0]!.body.output.task_metrics.SUCCEEDED).toBeGreaterThanOrEqual(1);
    expect(statusOf(resumed.events.at(-1)!)).toBe('SUCCEEDED');
    // Resuming after the final event: nothing can come, 204 stops EventSource's reconnecting.
    const after = await fetch(eventsUrl(id), { headers: { ...auth(), 'Last-Event-ID': resumed.events.at(-1)!.id! } });
    expect(after.status).toBe(204);
    // An old id on a finished task re-sends the final state.
    const late = await openSse(eventsUrl(id), { ...auth(), 'Last-Event-ID': initial!.id! });
    await late.ended;
    expect(late.events.map(statusOf)).toEqual(['SUCCEEDED']);
  });

  it('answers a finished task with its final event, and an unknown or foreign one with UNKNOWN', async () => {
    const id = (await createTask(s.url, s.key, createBody([image], 'sleep=1', { n: 1 }))).body.output.task_id;
    await waitForStatus(s.url, s.key, id);
    const done = await openSse(eventsUrl(id), auth());
    await done.ended;
    expect(done.events.map(statusOf)).toEqual(['SUCCEEDED']);
    const other = await s.addKey('team-sse');
    for (const [key, taskId] of [
      [s.key, '00000000-0000-4000-8000-000000000000'],
      [other, id],
    ] as const) {
      const stream = await openSse(eventsUrl(taskId), { Authorization: `Bearer ${key}` });
      await stream.ended;
      expect(stream.events.map((e) => [e.id, statusOf(e)])).toEqual([['0', 'UNKNOWN']]);
    }
  });

  it('sends heartbeats while nothing changes, and accepts ?api_key= for EventSource', async () => {
    const id = (await createTask(s.url, s.key, createBody([image], 'sleep=900', { n: 1 }))).body.output.task_id;
    const stream = await openSse(`${eventsUrl(id)}?api_key=${encodeURIComponent(s.key)}`);
    expect(stream.status).toBe(200);
    await stream.ended;
    expect(stream.comments.filter((c) => c.trim() === 'ping').length).toBeGreaterThan(0);
    expect(statusOf(stream.events.at(-1)!)).toBe('SUCCEEDED');
  });

  it('refuses missing or wrong keys in the DashScope shape', async () => {
    expectError(await call(eventsUrl('x')), 401, 'InvalidApiKey');
    expectError(await call(`${eventsUrl('x')}?api_key=sk-wrong-key-000`), 401, 'InvalidApiKey');
    expectError(await call(`${s.url}/api/v1/tasks/events`, { key: 'sk-wrong-key-000' }), 401, 'InvalidApiKey');
    expectError(await call(eventsUrl('x'), { method: 'POST', key: s.key }), 400, 'InvalidParameter', "Request method 'POST' is not supported.");
  });
});

describe('SSE: GET /api/v1/tasks/events (workspace)', () => {
  let s: SecServer;
  let image = '';
  beforeAll(async () => {
    s = await startSecServer({ ...NO_RATE_LIMITS, RETOUCH_WORKER_CONCURRENCY: '2', RETOUCH_SHUTDOWN_GRACE: '100ms' });
    image = await imageDataUri(400, 400);
  });
  afterAll(() => s.close());

  it('ends the open streams of a key revoked by another process (within the key cache bound); the reconnect is refused 401', async () => {
    const secret = await s.addKey('team-revoked');
    const url = `${s.url}/api/v1/tasks/events`;
    const workspace = await openSse(url, { Authorization: `Bearer ${secret}` });
    const running = (await createTask(s.url, secret, createBody([image], 'sleep=60000', { n: 1 }))).body.output.task_id;
    const perTask = await openSse(`${s.url}/api/v1/tasks/${running}/events?api_key=${encodeURIComponent(secret)}`);
    expect([workspace.status, perTask.status]).toEqual([200, 200]);
    // Revoked through the SQLite file, as `retouch keys revoke` does from another process.
    const db = openSqlite(join(s.dataDir, 'retouch.db'));
    try {
      const keys = createKeyStore(createSqliteKeyRepository(db));
      const key = (await keys.list()).find((k) => k.workspaceId === 'team-revoked')!;
      expect(await keys.revoke(key.id, Date.now())).toBe(true);
    } finally {
      db.close();
    }
    // Both streams end by themselves (without the check they stay open until the client leaves).
    await Promise.all([workspace.ended, perTask.ended]);
    expect(perTask.events.every((e) => statusOf(e) !== 'SUCCEEDED')).toBe(true);
    expectError(await call(url, { key: secret }), 401, 'InvalidApiKey');
    await call(`${s.url}/api/v1/tasks/${running}/cancel`, { method: 'POST', key: s.key });
  });

  it("streams every task of the caller's workspace (not others'), and resumes with what changed after the id", async () => {
    const other = await s.addKey('team-ws');
    const url = `${s.url}/api/v1/tasks/events`;
    const stream = await openSse(url, { Authorization: `Bearer ${s.key}` });
    const foreign = await openSse(url, { Authorization: `Bearer ${other}` });
    const a = (await createTask(s.url, s.key, createBody([image], 'sleep=200', { n: 1 }))).body.output.task_id;
    const b = (await createTask(s.url, s.key, createBody([image], 'sleep=200', { n: 2 }))).body.output.task_id;
    const finished = (events: SseEvent[], id: string) => events.some((e) => e.body.output.task_id === id && statusOf(e) === 'SUCCEEDED');
    await stream.until((e) => finished(e, a) && finished(e, b));
    expect(new Set(stream.events.map((e) => e.body.output.task_id))).toEqual(new Set([a, b]));
    expect(ids(stream.events)).toEqual([...ids(stream.events)].sort((x, y) => x - y));
    const firstOfB = stream.events.find((e) => e.body.output.task_id === b)!;
    stream.close();
    expect(foreign.events).toEqual([]);
    foreign.close();

    const resumed = await openSse(url, { Authorization: `Bearer ${s.key}`, 'Last-Event-ID': firstOfB.id! });
    await resumed.until((e) => finished(e, b));
    // Everything after that id: b's final state, and a's too when it finished later.
    const aFinishedAfter = stream.events.some((e) => e.body.output.task_id === a && statusOf(e) === 'SUCCEEDED' && Number(e.id) > Number(firstOfB.id));
    expect(finished(resumed.events, a)).toBe(aFinishedAfter);
    expect(resumed.events.every((e) => Number(e.id) > Number(firstOfB.id))).toBe(true);
    resumed.close();
  });
});

describe('SSE capacity and shutdown', () => {
  it('refuses streams over the per-workspace cap with 429, frees slots on disconnect, and close() ends open streams', async () => {
    const s = await startSecServer({ ...NO_RATE_LIMITS, RETOUCH_WORKER_CONCURRENCY: '0', RETOUCH_PUSH_MAX_PER_WORKSPACE: '2' });
    try {
      const image = await imageDataUri(400, 400);
      const id = (await createTask(s.url, s.key, createBody([image], 'sleep=1', { n: 1 }))).body.output.task_id;
      const auth = { Authorization: `Bearer ${s.key}` };
      const one = await openSse(`${s.url}/api/v1/tasks/${id}/events`, auth);
      const two = await openSse(`${s.url}/api/v1/tasks/events`, auth);
      await one.until((e) => e.length === 1);
      const third = await call(`${s.url}/api/v1/tasks/${id}/events`, { key: s.key });
      expectError(third, 429, 'Throttling.Streams');
      expect(third.headers.get('retry-after')).toBe('1');
      // A long-poll over the cap answers at once, without waiting.
      const polled = await call(`${s.url}/api/v1/tasks/${id}?wait=30`, { key: s.key });
      expect(polled.body.output.task_status).toBe('PENDING');
      expect(polled.headers.get('preference-applied')).toBeNull();
      one.close();
      await pollUntil(
        async () => (await fetch(`${s.url}/api/v1/tasks/${id}/events`, { headers: auth })).status,
        (status) => status === 200,
        5000,
        'a slot freed by the disconnect',
      );
      await s.server.close();
      await two.ended;
      expect(two.events).toEqual([]);
    } finally {
      await s.close();
    }
  });
});
