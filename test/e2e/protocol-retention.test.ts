/**
 * Retention (protocol.md §2.2, §5: tasks and result URLs live 24 h, then a query says UNKNOWN and
 * the URLs stop working), shortened to 1 s with a 200 ms reaper.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestServer, type TestServer } from '../helpers/server.js';
import {
  beijingToEpoch,
  cancelTask,
  createBody,
  createTask,
  dataUri,
  download,
  expectError,
  getTask,
  listTasks,
  testImage,
  waitForStatus,
  NO_RATE_LIMITS,
} from '../helpers/http.js';
import { storedBlobKeys } from '../helpers/stored-blobs.js';

describe('retention', () => {
  let s: TestServer;
  let img: string;
  beforeAll(async () => {
    s = await startTestServer({
      ...NO_RATE_LIMITS,
      RETOUCH_RETENTION: '1s',
      RETOUCH_REAPER_INTERVAL: '200ms',
      RETOUCH_WORKER_CONCURRENCY: '2',
      RETOUCH_SHUTDOWN_GRACE: '1s',
    });
    img = dataUri(await testImage(400, 400, 'png'), 'image/png');
  });
  afterAll(async () => {
    await s?.close();
  });

  it('1.5 s after a task settles: GET → UNKNOWN, gone from the list, URL → 404, files deleted', async () => {
    const created = await createTask(s.url, s.key, createBody([img], 'plain', { n: 2 }));
    const failedCreated = await createTask(s.url, s.key, createBody([img], 'fail=0', { n: 1 }));
    expect(created.status).toBe(200);
    expect(failedCreated.status).toBe(200);
    const id = created.body.output.task_id as string;
    const failedId = failedCreated.body.output.task_id as string;

    const done = await waitForStatus(s.url, s.key, id, undefined, 3000);
    expect(done.body.output.task_status).toBe('SUCCEEDED');
    const failed = await waitForStatus(s.url, s.key, failedId, undefined, 3000);
    expect(failed.body.output.task_status).toBe('FAILED');
    const urls = done.body.output.results.map((r: { url: string }) => r.url as string);

    // While retained: listed, downloadable, and its blobs are stored (rows or files).
    expect((await listTasks(s.url, s.key, { task_id: id })).body.total).toBe(1);
    expect((await download(urls[0]!)).status).toBe(200);
    expect(storedBlobKeys(s.dataDir).filter((f) => f.includes(id)).length).toBeGreaterThanOrEqual(3); // 1 input + 2 results
    expect(storedBlobKeys(s.dataDir).filter((f) => f.includes(failedId)).length).toBeGreaterThanOrEqual(1); // its input

    const settled = Math.max(beijingToEpoch(done.body.output.end_time), beijingToEpoch(failed.body.output.end_time));
    const wait = settled + 1500 - Date.now();
    if (wait > 0) await sleep(wait);

    for (const t of [id, failedId]) {
      const res = await getTask(s.url, s.key, t);
      expect(res.status).toBe(200);
      expect(res.body.output).toEqual({ task_id: t, task_status: 'UNKNOWN' });
      expect((await listTasks(s.url, s.key, { task_id: t })).body.total).toBe(0);
      expectError(await cancelTask(s.url, s.key, t), 400, 'UnsupportedOperation');
    }
    expect((await listTasks(s.url, s.key)).body.data.map((d: { task_id: string }) => d.task_id)).not.toContain(id);

    for (const url of urls) {
      const d = await download(url);
      expect(d.status).toBe(404);
      expect(d.json?.code).toBe('NotFound');
      expect(d.json?.request_id).toBeTruthy();
    }
    expect(storedBlobKeys(s.dataDir).filter((f) => f.includes(id) || f.includes(failedId))).toEqual([]);
  });
});

describe('retention before the reaper runs', () => {
  let s: TestServer;
  let img: string;
  beforeAll(async () => {
    s = await startTestServer({
      ...NO_RATE_LIMITS,
      RETOUCH_RETENTION: '1s',
      RETOUCH_REAPER_INTERVAL: '1h',
      RETOUCH_WORKER_CONCURRENCY: '1',
      RETOUCH_SHUTDOWN_GRACE: '1s',
    });
    img = dataUri(await testImage(400, 400, 'png'), 'image/png');
  });
  afterAll(async () => {
    await s?.close();
  });

  it('an expired task is UNKNOWN and its URLs stop working at once, not at the next reaper pass', async () => {
    const created = await createTask(s.url, s.key, createBody([img], 'plain', { n: 1 }));
    const done = await waitForStatus(s.url, s.key, created.body.output.task_id, undefined, 3000);
    expect(done.body.output.task_status).toBe('SUCCEEDED');
    const url = done.body.output.results[0].url as string;
    const wait = beijingToEpoch(done.body.output.end_time) + 1200 - Date.now();
    if (wait > 0) await sleep(wait);
    expect((await getTask(s.url, s.key, done.body.output.task_id)).body.output.task_status).toBe('UNKNOWN');
    const d = await download(url);
    expect(d.status, 'a result URL of an expired task still downloads').not.toBe(200);
    expect([403, 404]).toContain(d.status);
    expect(d.json?.request_id).toBeTruthy();
  });
});
