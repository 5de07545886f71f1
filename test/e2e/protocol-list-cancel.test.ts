/**
 * Task management (protocol.md §3): GET /api/v1/tasks (shape, item fields, filters, paging, the
 * 24 h span rule) and POST /api/v1/tasks/{id}/cancel (PENDING only; the sync and asyncio SDK
 * forms; bodies ignored).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestServer, type TestServer } from '../helpers/server.js';
import {
  call,
  cancelTask,
  createBody,
  createTask,
  dataUri,
  expectError,
  getTask,
  listTasks,
  listTime,
  rawRequest,
  testImage,
  UUID_RE,
  waitForStatus,
  NO_RATE_LIMITS,
} from '../helpers/http.js';

const CANCEL_MESSAGE = 'Failed to cancel the task, please confirm if the task is in PENDING status.';
const HOUR = 3_600_000;
let img: string;

beforeAll(async () => {
  img = dataUri(await testImage(400, 400, 'png'), 'image/png');
});

async function create(s: TestServer, prompt: string, parameters: Record<string, unknown> = { n: 1 }, model = 'retouch-test') {
  const res = await createTask(s.url, s.key, createBody([img], prompt, parameters, model));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { id: res.body.output.task_id as string, requestId: res.body.request_id as string };
}

describe('list', () => {
  let s: TestServer;
  let t0: number;
  const ok: { id: string; requestId: string }[] = [];
  let failed: { id: string; requestId: string };
  let wan: { id: string; requestId: string };

  beforeAll(async () => {
    s = await startTestServer({ ...NO_RATE_LIMITS, RETOUCH_WORKER_CONCURRENCY: '2', RETOUCH_SHUTDOWN_GRACE: '1s' });
    t0 = Date.now();
    for (let i = 0; i < 4; i++) ok.push(await create(s, 'plain'));
    failed = await create(s, 'fail=0');
    // The real model, so that model_name has something to tell apart; how it ends does not matter here.
    wan = await create(s, 'grayscale', { n: 1 }, 'wan2.5-i2i-preview');
    for (const t of [...ok, failed, wan]) await waitForStatus(s.url, s.key, t.id, undefined, 60_000);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('shape: {total, total_page, page_no, page_size, data, request_id} with defaults 1 and 10', async () => {
    const res = await listTasks(s.url, s.key);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(res.body).sort()).toEqual(['data', 'page_no', 'page_size', 'request_id', 'total', 'total_page']);
    expect(res.body.request_id).toMatch(UUID_RE);
    expect(res.headers.get('x-request-id')).toBe(res.body.request_id);
    expect(res.body.total).toBe(6);
    expect(res.body.total_page).toBe(1);
    expect(res.body.page_no).toBe(1);
    expect(res.body.page_size).toBe(10);
    expect(res.body.data).toHaveLength(6);
    expect(new Set(res.body.data.map((d: { task_id: string }) => d.task_id))).toEqual(new Set([...ok, failed, wan].map((t) => t.id)));
  });

  it('items: status (not task_status), epoch-ms times, ids, model, request_id of the creation, user_api_unique_key', async () => {
    const res = await listTasks(s.url, s.key, { task_id: ok[0]!.id });
    expect(res.body.total).toBe(1);
    const item = res.body.data[0];
    expect(item.task_id).toBe(ok[0]!.id);
    expect(item.status).toBe('SUCCEEDED');
    expect(item.task_status).toBeUndefined();
    expect(item.model_name).toBe('retouch-test');
    expect(typeof item.api_key_id).toBe('string');
    expect(item.api_key_id.length).toBeGreaterThan(0);
    expect(item.request_id).toBe(ok[0]!.requestId);
    expect(item.user_api_unique_key).toBe('apikey:v1:aigc:image2image:image-synthesis:retouch-test');
    for (const k of ['gmt_create', 'start_time', 'end_time']) {
      expect(Number.isInteger(item[k]), k).toBe(true);
      expect(item[k]).toBeGreaterThanOrEqual(t0 - 1000);
      expect(item[k]).toBeLessThanOrEqual(Date.now());
    }
    expect(item.gmt_create).toBeLessThanOrEqual(item.start_time);
    expect(item.start_time).toBeLessThanOrEqual(item.end_time);
    // The same instants as the task query reports (which is UTC+8 wall-clock text).
    const got = await getTask(s.url, s.key, ok[0]!.id);
    expect(got.body.output.task_status).toBe(item.status);
  });

  it('the trailing-slash form /api/v1/tasks/ answers the same', async () => {
    const res = await listTasks(s.url, s.key, { page_size: 10 }, '/api/v1/tasks/');
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(6);
  });

  it('filter task_id: only that task; an unknown id → total 0', async () => {
    const one = await listTasks(s.url, s.key, { task_id: failed.id });
    expect(one.body.total).toBe(1);
    expect(one.body.data.map((d: { task_id: string }) => d.task_id)).toEqual([failed.id]);
    expect(one.body.data[0].status).toBe('FAILED');
    const none = await listTasks(s.url, s.key, { task_id: '00000000-0000-4000-8000-000000000000' });
    expect(none.status).toBe(200);
    expect(none.body.total).toBe(0);
    expect(none.body.data).toEqual([]);
    expect(none.body.total_page).toBe(0);
  });

  it('filter status', async () => {
    const succeeded = await listTasks(s.url, s.key, { status: 'SUCCEEDED', model_name: 'retouch-test' });
    expect(succeeded.body.total).toBe(4);
    expect(succeeded.body.data.every((d: { status: string }) => d.status === 'SUCCEEDED')).toBe(true);
    const failedOnes = await listTasks(s.url, s.key, { status: 'FAILED', model_name: 'retouch-test' });
    expect(failedOnes.body.data.map((d: { task_id: string }) => d.task_id)).toEqual([failed.id]);
    const pending = await listTasks(s.url, s.key, { status: 'PENDING' });
    expect(pending.body.total).toBe(0);
    const unknown = await listTasks(s.url, s.key, { status: 'UNKNOWN' });
    expect(unknown.status).toBe(200);
    expect(unknown.body.total).toBe(0);
  });

  it('filter status with an invalid value → 400 InvalidParameter', async () => {
    expectError(await listTasks(s.url, s.key, { status: 'DONE' }), 400, 'InvalidParameter');
  });

  it('filter model_name', async () => {
    const w = await listTasks(s.url, s.key, { model_name: 'wan2.5-i2i-preview' });
    expect(w.body.data.map((d: { task_id: string }) => d.task_id)).toEqual([wan.id]);
    expect(w.body.data[0].user_api_unique_key).toBe('apikey:v1:aigc:image2image:image-synthesis:wan2.5-i2i-preview');
    const t = await listTasks(s.url, s.key, { model_name: 'retouch-test' });
    expect(t.body.total).toBe(5);
    const none = await listTasks(s.url, s.key, { model_name: 'wanx2.1-imageedit' });
    expect(none.body.total).toBe(0);
  });

  it('start_time/end_time are YYYYMMDDhhmmss in UTC+8', async () => {
    const now = Date.now();
    const around = await listTasks(s.url, s.key, { start_time: listTime(now - 10 * 60_000), end_time: listTime(now + 10 * 60_000) });
    expect(around.status).toBe(200);
    expect(around.body.total).toBe(6);
    // The same digits read as UTC would be 8 h in the past: prove the zone by a window just 8 h ago.
    const eightHoursAgo = await listTasks(s.url, s.key, {
      start_time: listTime(now - 8 * HOUR - 10 * 60_000),
      end_time: listTime(now - 8 * HOUR + 10 * 60_000),
    });
    expect(eightHoursAgo.body.total).toBe(0);
    const earlier = await listTasks(s.url, s.key, { start_time: listTime(now - 5 * HOUR), end_time: listTime(t0 - 60_000) });
    expect(earlier.body.total).toBe(0);
  });

  it('only start_time → the 24 h after it; only end_time → the 24 h before it', async () => {
    const now = Date.now();
    expect((await listTasks(s.url, s.key, { start_time: listTime(now - HOUR) })).body.total).toBe(6);
    expect((await listTasks(s.url, s.key, { start_time: listTime(now + 60_000) })).body.total).toBe(0);
    expect((await listTasks(s.url, s.key, { end_time: listTime(now + HOUR) })).body.total).toBe(6);
    expect((await listTasks(s.url, s.key, { end_time: listTime(t0 - 60_000) })).body.total).toBe(0);
  });

  it('a span of exactly 24 h is fine; over 24 h → 400 InvalidParameter', async () => {
    const now = Date.now();
    const exact = await listTasks(s.url, s.key, { start_time: listTime(now - 23 * HOUR), end_time: listTime(now + HOUR) });
    expect(exact.status).toBe(200);
    expect(exact.body.total).toBe(6);
    const over = await listTasks(s.url, s.key, { start_time: listTime(now - 24 * HOUR), end_time: listTime(now + 1000 + 1000) });
    expectError(over, 400, 'InvalidParameter');
    const wide = await listTasks(s.url, s.key, { start_time: '20230101000000', end_time: '20230201000000' });
    expectError(wide, 400, 'InvalidParameter');
  });

  it('end_time before start_time → 400', async () => {
    const now = Date.now();
    expectError(await listTasks(s.url, s.key, { start_time: listTime(now), end_time: listTime(now - HOUR) }), 400, 'InvalidParameter');
  });

  it.each(['2023-04-20 19:30:58', '2023042019305', '20231340000000', '20230230120000', '20230420256000', 'yesterday', '1709260684485'])(
    'a malformed time %j → 400 InvalidParameter',
    async (value) => {
      expectError(await listTasks(s.url, s.key, { start_time: value }), 400, 'InvalidParameter');
      expectError(await listTasks(s.url, s.key, { end_time: value }), 400, 'InvalidParameter');
    },
  );

  it('paging: page_size 4 → pages of 4 and 2, total_page 2, no overlap; past the end → empty', async () => {
    const p1 = await listTasks(s.url, s.key, { page_no: 1, page_size: 4 });
    const p2 = await listTasks(s.url, s.key, { page_no: 2, page_size: 4 });
    const p3 = await listTasks(s.url, s.key, { page_no: 3, page_size: 4 });
    for (const p of [p1, p2, p3]) {
      expect(p.status).toBe(200);
      expect(p.body.total).toBe(6);
      expect(p.body.total_page).toBe(2);
      expect(p.body.page_size).toBe(4);
    }
    expect([p1.body.page_no, p2.body.page_no, p3.body.page_no]).toEqual([1, 2, 3]);
    expect(p1.body.data).toHaveLength(4);
    expect(p2.body.data).toHaveLength(2);
    expect(p3.body.data).toEqual([]);
    const ids = [...p1.body.data, ...p2.body.data].map((d: { task_id: string }) => d.task_id);
    expect(new Set(ids).size).toBe(6);
    const one = await listTasks(s.url, s.key, { page_no: 6, page_size: 1 });
    expect(one.body.total_page).toBe(6);
    expect(one.body.data).toHaveLength(1);
    expect((await listTasks(s.url, s.key, { page_size: 100 })).status).toBe(200);
  });

  it.each([
    ['page_size', '0'],
    ['page_size', '101'],
    ['page_size', 'abc'],
    ['page_size', '2.5'],
    ['page_size', '-1'],
    ['page_no', '0'],
    ['page_no', 'abc'],
    // Number() reads these as 16, 10 and 5; they are not integers as the protocol writes them.
    ['page_size', '0x10'],
    ['page_size', '1e1'],
    ['page_size', ' 5'],
    ['page_no', '0b1'],
  ])('%s=%s → 400 InvalidParameter', async (name, value) => {
    expectError(await listTasks(s.url, s.key, { [name]: value }), 400, 'InvalidParameter');
  });

  it('the Python SDK query (page_no, page_size, api_key_id, region) and the Node SDK headers are fine', async () => {
    const res = await call(`${s.url}/api/v1/tasks?page_no=1&page_size=10&region=cn-beijing`, {
      key: s.key,
      headers: { 'Content-Type': 'application/json', 'X-DashScope-Async': 'enable' },
    });
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(6);
  });

  it('list needs a key', async () => {
    expectError(await call(`${s.url}/api/v1/tasks`), 401, 'InvalidApiKey', 'No API-key provided.');
  });
});

describe('cancel', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ ...NO_RATE_LIMITS, RETOUCH_WORKER_CONCURRENCY: '1', RETOUCH_SHUTDOWN_GRACE: '1s' });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('PENDING → 200 {request_id}, CANCELED, and it never runs; RUNNING/SUCCEEDED/CANCELED/unknown → 400', async () => {
    const blocker = await create(s, 'sleep=2000');
    const sync = await create(s, 'plain'); // sync SDK form
    const aio = await create(s, 'plain'); // asyncio SDK form
    const garbage = await create(s, 'plain'); // a garbage body
    const textGarbage = await create(s, 'plain');
    const after = await create(s, 'plain'); // runs after the cancelled ones would have
    await waitForStatus(s.url, s.key, blocker.id, ['RUNNING'], 5_000);

    // In the list: a RUNNING task has start_time but no end_time; a PENDING one has neither.
    const runningItem = (await listTasks(s.url, s.key, { task_id: blocker.id })).body.data[0];
    expect(runningItem.status).toBe('RUNNING');
    expect(Number.isInteger(runningItem.start_time)).toBe(true);
    expect(runningItem.end_time).toBeUndefined();
    const pendingItem = (await listTasks(s.url, s.key, { task_id: sync.id })).body.data[0];
    expect(pendingItem.status).toBe('PENDING');
    expect(Number.isInteger(pendingItem.gmt_create)).toBe(true);
    expect(pendingItem.start_time).toBeUndefined();
    expect(pendingItem.end_time).toBeUndefined();
    expect((await listTasks(s.url, s.key, { status: 'RUNNING' })).body.data.map((d: { task_id: string }) => d.task_id)).toEqual([blocker.id]);

    // Python sync SDK: no body, no Content-Type.
    const c1 = await cancelTask(s.url, s.key, sync.id);
    expect(c1.status, c1.text).toBe(200);
    expect(c1.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(c1.body)).toEqual(['request_id']);
    expect(c1.body.request_id).toMatch(UUID_RE);
    expect(c1.headers.get('x-request-id')).toBe(c1.body.request_id);

    // Python asyncio SDK: trailing slash and a JSON body.
    const c2 = await rawRequest(`${s.url}/api/v1/tasks/${aio.id}/cancel/`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${s.key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: '', parameters: {}, input: '' }),
    });
    expect(c2.status, c2.text).toBe(200);
    expect(Object.keys(c2.body)).toEqual(['request_id']);

    // Garbage bodies are ignored.
    const c3 = await rawRequest(`${s.url}/api/v1/tasks/${garbage.id}/cancel`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${s.key}`, 'Content-Type': 'application/json' },
      body: '{{{ this is not json',
    });
    expect(c3.status, c3.text).toBe(200);
    const c4 = await rawRequest(`${s.url}/api/v1/tasks/${textGarbage.id}/cancel`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${s.key}`, 'Content-Type': 'application/octet-stream' },
      body: Buffer.from([0, 1, 2, 255, 254]),
    });
    expect(c4.status, c4.text).toBe(200);

    for (const t of [sync, aio, garbage, textGarbage]) {
      const res = await getTask(s.url, s.key, t.id);
      expect(res.status).toBe(200);
      expect(res.body.output.task_status).toBe('CANCELED');
      expect(res.body.output.task_id).toBe(t.id);
      expect(res.body.output.results).toBeUndefined();
      expect(res.body.usage).toBeUndefined();
    }

    // RUNNING → 400.
    const running = await getTask(s.url, s.key, blocker.id);
    expect(running.body.output.task_status).toBe('RUNNING');
    expectError(await cancelTask(s.url, s.key, blocker.id), 400, 'UnsupportedOperation', CANCEL_MESSAGE);

    // The blocker finishes, the queue moves past the cancelled tasks, which stay CANCELED.
    const afterDone = await waitForStatus(s.url, s.key, after.id);
    expect(afterDone.body.output.task_status).toBe('SUCCEEDED');
    expect((await getTask(s.url, s.key, blocker.id)).body.output.task_status).toBe('SUCCEEDED');
    for (const t of [sync, aio, garbage, textGarbage]) {
      const res = await getTask(s.url, s.key, t.id);
      expect(res.body.output.task_status).toBe('CANCELED');
      expect(res.body.output.scheduled_time).toBeUndefined();
      expect(res.body.output.task_metrics?.SUCCEEDED ?? 0).toBe(0);
      const listed = await listTasks(s.url, s.key, { task_id: t.id });
      expect(listed.body.data[0].status).toBe('CANCELED');
      expect(listed.body.data[0].start_time).toBeUndefined();
    }
    const canceled = await listTasks(s.url, s.key, { status: 'CANCELED' });
    expect(canceled.body.total).toBe(4);

    // SUCCEEDED, already CANCELED, unknown → 400 UnsupportedOperation.
    expectError(await cancelTask(s.url, s.key, blocker.id), 400, 'UnsupportedOperation', CANCEL_MESSAGE);
    expectError(await cancelTask(s.url, s.key, sync.id), 400, 'UnsupportedOperation', CANCEL_MESSAGE);
    expectError(await cancelTask(s.url, s.key, '00000000-0000-4000-8000-000000000000'), 400, 'UnsupportedOperation', CANCEL_MESSAGE);
  });

  it('FAILED → 400 UnsupportedOperation', async () => {
    const t = await create(s, 'fail=0');
    expect((await waitForStatus(s.url, s.key, t.id)).body.output.task_status).toBe('FAILED');
    expectError(await cancelTask(s.url, s.key, t.id), 400, 'UnsupportedOperation', CANCEL_MESSAGE);
  });

  it('cancel needs a key; GET on the cancel path is not supported', async () => {
    const blocker = await create(s, 'sleep=400');
    const t = await create(s, 'plain');
    expectError(await rawRequest(`${s.url}/api/v1/tasks/${t.id}/cancel`, { method: 'POST' }), 401, 'InvalidApiKey', 'No API-key provided.');
    const get = await call(`${s.url}/api/v1/tasks/${t.id}/cancel`, { key: s.key });
    expectError(get, 400, 'InvalidParameter', "Request method 'GET' is not supported.");
    // Neither touched the task.
    await waitForStatus(s.url, s.key, blocker.id);
    expect((await waitForStatus(s.url, s.key, t.id)).body.output.task_status).toBe('SUCCEEDED');
  });
});
