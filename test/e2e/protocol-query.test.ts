/**
 * Query task (protocol.md §2): GET /api/v1/tasks/{id} in every state, with the fields each state
 * carries, times in UTC+8, results/metrics/usage, seeds, output sizes, UNKNOWN ids, and the URL
 * and header variants the SDKs use.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestServer, type TestServer } from '../helpers/server.js';
import {
  beijingToEpoch,
  expectError,
  call,
  createBody,
  createTask,
  download,
  expectNoLeak,
  getTask,
  pollUntil,
  TASK_TIME_RE,
  testImage,
  UUID_RE,
  waitForStatus,
  dataUri,
  NO_RATE_LIMITS,
} from '../helpers/http.js';

const SLACK_MS = 5_000;
let img: string;

beforeAll(async () => {
  img = dataUri(await testImage(400, 400, 'png'), 'image/png');
});

async function create(s: TestServer, prompt: string, parameters: Record<string, unknown> = {}, images = [img]): Promise<string> {
  const res = await createTask(s.url, s.key, createBody(images, prompt, parameters));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.output.task_id as string;
}

function expectTime(text: unknown, lo = Date.now() - 60_000, hi = Date.now() + SLACK_MS): number {
  expect(text).toMatch(TASK_TIME_RE);
  const ms = beijingToEpoch(text as string);
  expect(ms).toBeGreaterThanOrEqual(lo);
  expect(ms).toBeLessThanOrEqual(hi);
  return ms;
}

async function pixel(url: string): Promise<{ rgb: number[]; width: number; height: number }> {
  const d = await download(url);
  expect(d.status).toBe(200);
  const { data, info } = await sharp(d.bytes).raw().toBuffer({ resolveWithObject: true });
  return { rgb: [data[0]!, data[1]!, data[2]!], width: info.width, height: info.height };
}

describe('query: PENDING and RUNNING (one worker)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ ...NO_RATE_LIMITS, RETOUCH_WORKER_CONCURRENCY: '1', RETOUCH_SHUTDOWN_GRACE: '1s' });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('RUNNING has submit/scheduled time and zeroed task_metrics, no end_time, usage or results; PENDING has no metrics', async () => {
    const before = Date.now();
    const blocker = await create(s, 'sleep=1000', { n: 2 });
    const queued = await create(s, 'plain', { n: 3 });

    const running = await waitForStatus(s.url, s.key, blocker, ['RUNNING'], 5_000);
    expect(running.status).toBe(200);
    expect(running.body.request_id).toMatch(UUID_RE);
    const ro = running.body.output;
    expect(ro.task_id).toBe(blocker);
    const submit = expectTime(ro.submit_time, before - 1000);
    const scheduled = expectTime(ro.scheduled_time, submit);
    expect(scheduled).toBeGreaterThanOrEqual(submit);
    expect(ro.end_time).toBeUndefined();
    expect(ro.results).toBeUndefined();
    expect(ro.code).toBeUndefined();
    expect(ro.task_metrics).toEqual({ TOTAL: 2, SUCCEEDED: 0, FAILED: 0 });
    expect(running.body.usage).toBeUndefined();

    const pending = await getTask(s.url, s.key, queued);
    expect(pending.status).toBe(200);
    const po = pending.body.output;
    expect(po.task_status).toBe('PENDING');
    expect(po.task_id).toBe(queued);
    expectTime(po.submit_time, before - 1000);
    expect(po.task_metrics).toBeUndefined();
    expect(po.end_time).toBeUndefined();
    expect(po.results).toBeUndefined();
    expect(po.scheduled_time).toBeUndefined();
    expect(pending.body.usage).toBeUndefined();

    const done = await waitForStatus(s.url, s.key, queued);
    expect(done.body.output.task_status).toBe('SUCCEEDED');
    expect(done.body.output.task_metrics).toEqual({ TOTAL: 3, SUCCEEDED: 3, FAILED: 0 });
  });

  it('RUNNING task_metrics count images as they finish', async () => {
    const id = await create(s, 'sleep=400', { n: 3 });
    const mid = await pollUntil(
      () => getTask(s.url, s.key, id),
      (r) => r.body.output.task_status === 'RUNNING' && r.body.output.task_metrics?.SUCCEEDED >= 1,
      10_000,
      'a RUNNING task with one image done',
    );
    expect(mid.body.output.task_metrics.TOTAL).toBe(3);
    expect(mid.body.output.task_metrics.SUCCEEDED).toBeLessThan(3);
    expect(mid.body.output.results).toBeUndefined();
    expect(mid.body.usage).toBeUndefined();
    await waitForStatus(s.url, s.key, id);
  });
});

describe('query: settled tasks', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ ...NO_RATE_LIMITS, RETOUCH_WORKER_CONCURRENCY: '2', RETOUCH_SHUTDOWN_GRACE: '1s' });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('SUCCEEDED: times (UTC+8, ordered), results {orig_prompt, actual_prompt, url} in order, metrics, usage', async () => {
    const before = Date.now();
    const id = await create(s, 'make it nice', { n: 2 });
    const res = await waitForStatus(s.url, s.key, id);
    const after = Date.now();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body.request_id).toMatch(UUID_RE);
    expect(res.headers.get('x-request-id')).toBe(res.body.request_id);
    const o = res.body.output;
    expect(o.task_id).toBe(id);
    expect(o.task_status).toBe('SUCCEEDED');
    // UTC+8 wall clock: the parsed instants must match the real clock, not be 8 h off.
    const submit = expectTime(o.submit_time, before - 1000, after + 1000);
    const scheduled = expectTime(o.scheduled_time, before - 1000, after + 1000);
    const end = expectTime(o.end_time, before - 1000, after + 1000);
    expect(submit).toBeLessThanOrEqual(scheduled);
    expect(scheduled).toBeLessThanOrEqual(end);
    expect(o.results).toHaveLength(2);
    for (const r of o.results) {
      expect(Object.keys(r)).toEqual(['orig_prompt', 'actual_prompt', 'url']);
      expect(r.orig_prompt).toBe('make it nice');
      expect(typeof r.actual_prompt).toBe('string');
      expect(r.actual_prompt.length).toBeGreaterThan(0);
      expect(r.url).toMatch(/^http:\/\/.+\.png\?(?=.*Expires=\d+)(?=.*OSSAccessKeyId=)(?=.*Signature=)/);
    }
    expect(o.results[0].url).not.toBe(o.results[1].url);
    expect(o.task_metrics).toEqual({ TOTAL: 2, SUCCEEDED: 2, FAILED: 0 });
    expect(o.code).toBeUndefined();
    expect(o.message).toBeUndefined();
    expect(res.body.usage).toEqual({ image_count: 2 });
    // A new request id per query.
    const again = await getTask(s.url, s.key, id);
    expect(again.body.request_id).not.toBe(res.body.request_id);
    expect(again.body.output).toEqual({ ...o, results: again.body.output.results });
  });

  it('prompt_extend=false → results carry no actual_prompt', async () => {
    const id = await create(s, 'plain', { n: 1, prompt_extend: false });
    const res = await waitForStatus(s.url, s.key, id);
    expect(res.body.output.task_status).toBe('SUCCEEDED');
    expect(Object.keys(res.body.output.results[0])).toEqual(['orig_prompt', 'url']);
  });

  it('partial failure (fail=1, n=3) → SUCCEEDED, failed item {code, message} in place, metrics 3/2/1, image_count 2', async () => {
    const id = await create(s, 'fail=1', { n: 3 });
    const res = await waitForStatus(s.url, s.key, id);
    const o = res.body.output;
    expect(o.task_status).toBe('SUCCEEDED');
    expect(o.results).toHaveLength(3);
    expect(o.results[0].url).toMatch(/^http/);
    expect(o.results[2].url).toMatch(/^http/);
    expect(Object.keys(o.results[1]).sort()).toEqual(['code', 'message']);
    expect(o.results[1].code).toMatch(/^[A-Z][A-Za-z]+(\.[A-Za-z]+)*$/);
    expect(o.results[1].message.length).toBeGreaterThan(0);
    expectNoLeak(o.results[1].message);
    expect(o.task_metrics).toEqual({ TOTAL: 3, SUCCEEDED: 2, FAILED: 1 });
    expect(o.code).toBeUndefined();
    expect(res.body.usage).toEqual({ image_count: 2 });
  });

  it('all images failed → FAILED with output.code/message, metrics, end_time, and no usage or results', async () => {
    const id = await create(s, 'fail=0,1', { n: 2 });
    const res = await waitForStatus(s.url, s.key, id);
    expect(res.status).toBe(200);
    const o = res.body.output;
    expect(o.task_status).toBe('FAILED');
    expect(typeof o.code).toBe('string');
    expect(o.code.length).toBeGreaterThan(0);
    expect(typeof o.message).toBe('string');
    expect(o.message.length).toBeGreaterThan(0);
    expectNoLeak(o.message);
    expect(o.task_metrics).toEqual({ TOTAL: 2, SUCCEEDED: 0, FAILED: 2 });
    expectTime(o.submit_time);
    expectTime(o.end_time);
    expect(o.results).toBeUndefined();
    expect(res.body.usage).toBeUndefined();
  });

  it('an engine crash (throw=0) → FAILED with an internal error code, no stack trace or paths', async () => {
    const id = await create(s, 'throw=0', { n: 1 });
    const res = await waitForStatus(s.url, s.key, id);
    const o = res.body.output;
    expect(o.task_status).toBe('FAILED');
    expect(o.code).toMatch(/^InternalError/);
    expectNoLeak(o.message);
    expect(o.message).not.toMatch(/thrown as requested|test engine/);
    expect(o.task_metrics).toEqual({ TOTAL: 1, SUCCEEDED: 0, FAILED: 1 });
  });

  it('an engine crash on one of two images → SUCCEEDED with an internal error item', async () => {
    const id = await create(s, 'throw=1', { n: 2 });
    const res = await waitForStatus(s.url, s.key, id);
    const o = res.body.output;
    expect(o.task_status).toBe('SUCCEEDED');
    expect(o.results[1].code).toMatch(/^InternalError/);
    expectNoLeak(o.results[1].message);
    expect(res.body.usage).toEqual({ image_count: 1 });
  });

  it('an unknown id → HTTP 200 {request_id, output:{task_id, task_status:"UNKNOWN"}}', async () => {
    for (const id of ['2b7b9c8e-0000-4000-8000-000000000000', '1111', 'not-a-uuid_at-all']) {
      const res = await getTask(s.url, s.key, id);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.body.request_id).toMatch(UUID_RE);
      expect(res.headers.get('x-request-id')).toBe(res.body.request_id);
      expect(res.body.output).toEqual({ task_id: id, task_status: 'UNKNOWN' });
      expect(Object.keys(res.body).sort()).toEqual(['output', 'request_id']);
    }
  });

  it('odd ids: non-ASCII → UNKNOWN; bad percent-encoding or an overlong id → a DashScope 400, not a framework body', async () => {
    const cjk = await call(`${s.url}/api/v1/tasks/%E4%BD%A0`, { key: s.key });
    expect(cjk.status).toBe(200);
    expect(cjk.body.output).toEqual({ task_id: '你', task_status: 'UNKNOWN' });
    expectError(await call(`${s.url}/api/v1/tasks/%ZZ`, { key: s.key }), 400, 'InvalidParameter');
    expectError(await call(`${s.url}/api/v1/tasks/${'a'.repeat(300)}`, { key: s.key }), 400, 'InvalidParameter');
    expectError(
      await call(`${s.url}/api/v1/tasks/${'a'.repeat(300)}/cancel`, { key: s.key, method: 'POST' }),
      400,
      /^(InvalidParameter|UnsupportedOperation)$/,
    );
  });

  it('query needs a key: none → 401, wrong → 401', async () => {
    const id = await create(s, 'plain', { n: 1 });
    const none = await call(`${s.url}/api/v1/tasks/${id}`);
    expect(none.status).toBe(401);
    expect(none.body.code).toBe('InvalidApiKey');
    const wrong = await getTask(s.url, 'sk-wrong-wrong-wrong', id);
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('InvalidApiKey');
  });

  it('a burst of 16 concurrent submissions: 16 distinct ids, all SUCCEEDED', async () => {
    const ids = await Promise.all(Array.from({ length: 16 }, () => create(s, 'plain', { n: 1, prompt_extend: false })));
    expect(new Set(ids).size).toBe(16);
    const done = await Promise.all(ids.map((id) => waitForStatus(s.url, s.key, id, undefined, 30_000)));
    expect(done.map((d) => d.body.output.task_status)).toEqual(Array(16).fill('SUCCEEDED'));
    expect(new Set(done.map((d) => d.body.output.results[0].url)).size).toBe(16);
  });

  it('n defaults to 4', async () => {
    const res = await createTask(s.url, s.key, { model: 'retouch-test', input: { prompt: 'plain', images: [img] } });
    const done = await waitForStatus(s.url, s.key, res.body.output.task_id);
    expect(done.body.output.task_status).toBe('SUCCEEDED');
    expect(done.body.output.results).toHaveLength(4);
    expect(done.body.output.task_metrics).toEqual({ TOTAL: 4, SUCCEEDED: 4, FAILED: 0 });
    expect(done.body.usage).toEqual({ image_count: 4 });
  });

  it('seed: image i uses seed+i (different per index, the same again for the same seed)', async () => {
    const first = await waitForStatus(s.url, s.key, await create(s, 'plain', { n: 3, seed: 4242, prompt_extend: false }));
    const second = await waitForStatus(s.url, s.key, await create(s, 'plain', { n: 3, seed: 4242, prompt_extend: false }));
    const third = await waitForStatus(s.url, s.key, await create(s, 'plain', { n: 1, seed: 4243, prompt_extend: false }));
    const a = await Promise.all(first.body.output.results.map((r: { url: string }) => pixel(r.url)));
    const b = await Promise.all(second.body.output.results.map((r: { url: string }) => pixel(r.url)));
    const c = await pixel(third.body.output.results[0].url);
    expect(new Set(a.map((p) => p.rgb.join(','))).size).toBe(3);
    expect(b.map((p) => p.rgb)).toEqual(a.map((p) => p.rgb));
    // Image 1 of seed 4242 is made with seed 4243: the same as image 0 of seed 4243.
    expect(c.rgb).toEqual(a[1]!.rgb);
  });

  it('seed 2147483647 with n=4 still succeeds for every image', async () => {
    const res = await waitForStatus(s.url, s.key, await create(s, 'plain', { n: 4, seed: 2147483647 }));
    expect(res.body.output.task_status).toBe('SUCCEEDED');
    expect(res.body.output.task_metrics).toEqual({ TOTAL: 4, SUCCEEDED: 4, FAILED: 0 });
  });

  it('without seed, the drawn seeds still differ per index', async () => {
    const res = await waitForStatus(s.url, s.key, await create(s, 'plain', { n: 2 }));
    const [p0, p1] = await Promise.all(res.body.output.results.map((r: { url: string }) => pixel(r.url)));
    expect(p0!.rgb).not.toEqual(p1!.rgb);
  });

  it.each([
    [1000, 500],
    [500, 1000],
    [400, 400],
    [1600, 400],
  ])('default output size for a %i×%i input: ≈1280² pixels at the input aspect', async (w, h) => {
    const input = dataUri(await testImage(w, h, 'png'), 'image/png');
    const res = await waitForStatus(s.url, s.key, await create(s, 'plain', { n: 1 }, [input]));
    expect(res.body.output.task_status).toBe('SUCCEEDED');
    const out = await pixel(res.body.output.results[0].url);
    const pixels = out.width * out.height;
    expect(pixels).toBeLessThanOrEqual(1280 * 1280);
    expect(pixels).toBeGreaterThanOrEqual(1280 * 1280 * 0.95);
    expect(Math.abs(out.width / out.height / (w / h) - 1)).toBeLessThan(0.02);
  });

  it('an explicit size is honoured exactly', async () => {
    const res = await waitForStatus(s.url, s.key, await create(s, 'plain', { n: 2, size: '1024*768' }));
    for (const r of res.body.output.results) {
      const out = await pixel(r.url);
      expect([out.width, out.height]).toEqual([1024, 768]);
    }
  });

  it('trailing slash on /tasks/{id}/ and the Node SDK headers on GET', async () => {
    const id = await create(s, 'plain', { n: 1 });
    await waitForStatus(s.url, s.key, id);
    const slash = await call(`${s.url}/api/v1/tasks/${id}/`, { key: s.key });
    expect(slash.status).toBe(200);
    expect(slash.body.output.task_id).toBe(id);
    expect(slash.body.output.task_status).toBe('SUCCEEDED');
    const node = await call(`${s.url}/api/v1/tasks/${id}`, {
      key: s.key,
      headers: { 'Content-Type': 'application/json', 'X-DashScope-Async': 'enable', Accept: 'application/json' },
    });
    expect(node.status).toBe(200);
    expect(node.body.output.task_status).toBe('SUCCEEDED');
    const unknown = await call(`${s.url}/api/v1/tasks/00000000-0000-4000-8000-000000000000/`, {
      key: s.key,
      headers: { 'Content-Type': 'application/json', 'X-DashScope-Async': 'enable' },
    });
    expect(unknown.status).toBe(200);
    expect(unknown.body.output.task_status).toBe('UNKNOWN');
  });
});
