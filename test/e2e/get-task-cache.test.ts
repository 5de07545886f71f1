/**
 * GET /api/v1/tasks/{id} serves settled tasks from a per-node cache of their body
 * (api/task-body-cache.ts). Behaviour checked: the cached bytes are those a fresh read builds
 * (a long-poll GET, `?wait=1`, always reads the store and presents afresh), a task still in
 * progress is never served stale, another workspace still gets UNKNOWN, and an expired task is
 * UNKNOWN although its body was cached (the reaper is kept away, so the row is still there).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createBody, createTask, dataUri, getTask, NO_RATE_LIMITS, testImage, waitForStatus } from '../helpers/http.js';

async function rawGet(s: TestServer, id: string, query = '') {
  const res = await fetch(`${s.url}/api/v1/tasks/${id}${query}`, { headers: { Authorization: `Bearer ${s.key}` } });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    length: res.headers.get('content-length'),
    text,
    requestId: res.headers.get('x-request-id')!,
  };
}

describe('settled-task body cache', () => {
  let s: TestServer;
  let img: string;
  beforeAll(async () => {
    s = await startTestServer({ ...NO_RATE_LIMITS, RETOUCH_RETENTION: '3s', RETOUCH_REAPER_INTERVAL: '1h' });
    img = dataUri(await testImage(400, 400, 'png'), 'image/png');
  });
  afterAll(async () => {
    await s?.close();
  });

  it('answers a cached SUCCEEDED or FAILED task with the bytes a fresh read gives; expired → UNKNOWN though cached', async () => {
    const ok = (await createTask(s.url, s.key, createBody([img], 'sleep=300', { n: 2 }))).body.output.task_id as string;
    const failed = (await createTask(s.url, s.key, createBody([img], 'fail=0', { n: 1 }))).body.output.task_id as string;
    // While it runs the answer follows the task (nothing in progress is cached).
    expect((await rawGet(s, ok)).text).toMatch(/"task_status":"(PENDING|RUNNING)"/);
    for (const id of [ok, failed]) {
      await waitForStatus(s.url, s.key, id); // this GET fills the cache
      const cached = await rawGet(s, id);
      const fresh = await rawGet(s, id, '?wait=1');
      expect(cached.status).toBe(200);
      expect(cached.type).toBe('application/json; charset=utf-8');
      expect(fresh.type).toBe(cached.type);
      expect(cached.text.startsWith(`{"request_id":"${cached.requestId}",`)).toBe(true);
      expect(cached.text.replace(cached.requestId, 'ID')).toBe(fresh.text.replace(fresh.requestId, 'ID'));
      expect(Number(cached.length)).toBe(Buffer.byteLength(cached.text));
      expect(JSON.stringify(JSON.parse(cached.text))).toBe(cached.text);
    }
    const body = JSON.parse((await rawGet(s, ok)).text);
    expect(body.output.task_status).toBe('SUCCEEDED');
    expect(body.output.results).toHaveLength(2);
    expect(JSON.parse((await rawGet(s, failed)).text).output.task_status).toBe('FAILED');

    // The same id from another workspace's key is still unknown there.
    const other = await fetch(`${s.url}/api/v1/admin/keys`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${s.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ workspace_id: 'elsewhere' }),
    }).then((r) => r.json() as Promise<{ data: { secret: string } }>);
    expect((await getTask(s.url, other.data.secret, ok)).body.output.task_status).toBe('UNKNOWN');

    // Retention 3 s from submit: wait it out; the row is not reaped (1 h reaper), the entry is cached.
    await sleep(3_100);
    for (const id of [ok, failed]) {
      const gone = await getTask(s.url, s.key, id);
      expect(gone.status).toBe(200);
      expect(gone.body.output).toEqual({ task_id: id, task_status: 'UNKNOWN' });
    }
  });
});
