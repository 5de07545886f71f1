/**
 * The SDK against a running retouch (real HTTP), plus tiny node:http servers on 127.0.0.1
 * for throttling and server errors that retouch cannot be made to produce on demand.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, DashScopeError, normalizeBaseUrl, parseRetryAfter, type RetouchClient } from '@retouch/sdk';
import { testImage } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const MODEL = 'retouch-test';
const fast = { initialIntervalMs: 50, maxIntervalMs: 200 };

async function stub(
  handler: (req: IncomingMessage, res: ServerResponse, hit: number) => void,
): Promise<{ url: string; hits: number[]; close(): Promise<void> }> {
  const hits: number[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(Date.now());
    handler(req, res, hits.length);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/api/v1`, hits, close: () => new Promise((r) => server.close(() => r())) };
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

describe('SDK against retouch', () => {
  let server: TestServer;
  let client: RetouchClient;
  let png: Buffer;
  let dir: string;
  beforeAll(async () => {
    server = await startTestServer();
    client = createClient({ baseUrl: server.url, apiKey: server.key });
    png = await testImage(512, 384, 'png');
    dir = mkdtempSync(join(tmpdir(), 'retouch-sdk-'));
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('normalises base URLs and reads DASHSCOPE_* defaults', () => {
    expect(normalizeBaseUrl('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080/api/v1');
    expect(normalizeBaseUrl('https://dashscope.aliyuncs.com/api/v1/')).toBe('https://dashscope.aliyuncs.com/api/v1');
    const saved = { ...process.env };
    process.env.DASHSCOPE_HTTP_BASE_URL = 'http://10.1.2.3:9000/api/v1';
    try {
      expect(createClient().baseUrl).toBe('http://10.1.2.3:9000/api/v1');
    } finally {
      process.env = saved;
    }
  });

  it('createTask, getTask, waitForTask, listTasks', async () => {
    const created = await client.createTask({ model: MODEL, prompt: 'ok', images: [png], n: 1, seed: 7 });
    expect(created.output.task_status).toBe('PENDING');
    const id = created.output.task_id;
    const seen: string[] = [];
    const done = await client.waitForTask(id, { ...fast, onProgress: (t) => seen.push(t.output.task_status) });
    expect(done.output.task_status).toBe('SUCCEEDED');
    expect(seen.at(-1)).toBe('SUCCEEDED');
    expect((await client.getTask(id)).output.results?.[0]?.url).toMatch(/^http/);
    const page = await client.listTasks({ status: 'SUCCEEDED', pageSize: 100 });
    expect(page.data.some((t) => t.task_id === id)).toBe(true);
    expect((await client.getTask('no-such-id')).output.task_status).toBe('UNKNOWN');
  });

  it('cancelTask cancels a PENDING task and throws UnsupportedOperation otherwise', async () => {
    // Two slots: occupy both so the third stays PENDING.
    const busy = await Promise.all([1, 2].map(() => client.createTask({ model: MODEL, prompt: 'sleep=1500', images: [png], n: 1 })));
    const pending = await client.createTask({ model: MODEL, prompt: 'ok', images: [png], n: 1 });
    await client.cancelTask(pending.output.task_id);
    expect((await client.getTask(pending.output.task_id)).output.task_status).toBe('CANCELED');
    const err = await client.cancelTask(pending.output.task_id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DashScopeError);
    expect(err).toMatchObject({ code: 'UnsupportedOperation', status: 400 });
    expect((err as DashScopeError).requestId).toMatch(/^[0-9a-f-]{36}$/);
    await Promise.all(busy.map((b) => client.waitForTask(b.output.task_id, fast)));
  });

  it('edit: one call with local files, streams and data URIs; partial failure reported per image', async () => {
    const file = join(dir, 'photo.png');
    writeFileSync(file, png);
    const out = join(dir, 'partial');
    const images: string[] = [];
    const result = await client.edit({
      model: MODEL,
      prompt: 'fail=1',
      images: [file, Readable.from([png]), `data:image/png;base64,${png.toString('base64')}`],
      n: 2,
      outputDir: out,
      ...fast,
      download: { onImage: (o) => images.push(o.ok ? 'saved' : o.code) },
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.task.output.task_metrics).toEqual({ TOTAL: 2, SUCCEEDED: 1, FAILED: 1 });
    expect(result.download).toMatchObject({ saved: 1, failed: 1 });
    expect(result.download!.images[1]).toMatchObject({ ok: false, code: 'InternalError.Algo' });
    expect(images.sort()).toEqual(['InternalError.Algo', 'saved']);
    expect(readdirSync(out)).toEqual([`${result.taskId}-0.png`]);
  });

  it('downloadResults reports a failed download without losing the other images', async () => {
    const done = await client.edit({ model: MODEL, prompt: 'ok', images: [png], n: 2, ...fast });
    const task = structuredClone(done.task);
    task.output.results![1]!.url += 'tampered';
    const report = await client.downloadResults(task, join(dir, 'dl'));
    expect(report.saved).toBe(1);
    expect(report.images[1]).toMatchObject({ ok: false, code: 'DownloadFailed.AccessDenied' });
  });

  // procfs answers ENOENT to a mkdir of any child; Node's recursive mkdir retried forever.
  it.skipIf(!existsSync('/proc/self'))('downloadResults into a directory that cannot be created rejects with the reason', async () => {
    const done = await client.edit({ model: MODEL, prompt: 'ok', images: [png], n: 1, ...fast });
    await expect(client.downloadResults(done.task, '/proc/retouch-sdk-test/dl')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('uploads local files through the §6.2 flow (explicitly, and above inlineMaxBytes)', async () => {
    const ref = await client.uploadFile(png, { model: MODEL });
    expect(ref).toMatch(/^oss:\/\/dashscope-instant\/.+\/image-0$/);
    const viaRef = await client.edit({ model: MODEL, prompt: 'ok', images: [ref], n: 1, ...fast });
    expect(viaRef.status).toBe('SUCCEEDED');

    const file = join(dir, 'big photo.png');
    writeFileSync(file, png);
    const uploading = createClient({ baseUrl: server.url, apiKey: server.key, inlineMaxBytes: 10 });
    const seen: string[] = [];
    const spy = createClient({
      baseUrl: server.url,
      apiKey: server.key,
      localFiles: 'upload',
      fetch: async (url, init) => {
        seen.push(`${init?.method} ${String(url).replace(server.url, '')}`);
        return fetch(url, init);
      },
    });
    expect((await uploading.edit({ model: MODEL, prompt: 'ok', images: [file], n: 1, ...fast })).status).toBe('SUCCEEDED');
    await spy.createTask({ model: MODEL, prompt: 'ok', images: [file], n: 1 });
    expect(seen.slice(0, 3)).toEqual([
      `GET /api/v1/uploads?action=getPolicy&model=${MODEL}`,
      'POST /api/v1/uploads/oss',
      'POST /api/v1/services/aigc/image2image/image-synthesis',
    ]);
  });

  it('throws typed errors: bad key, bad request, missing file', async () => {
    const bad = createClient({ baseUrl: server.url, apiKey: 'sk-wrong-key-0000' });
    await expect(bad.getTask('x')).rejects.toMatchObject({ name: 'DashScopeError', code: 'InvalidApiKey', status: 401 });
    await expect(client.createTask({ model: MODEL, prompt: 'ok', images: [png], n: 9 })).rejects.toMatchObject({
      code: 'InvalidParameter',
      status: 400,
      message: 'Range of n should be [1, 4]',
    });
    await expect(client.createTask({ model: MODEL, prompt: 'ok', images: [join(dir, 'missing.png')] })).rejects.toMatchObject({ code: 'InvalidInput' });
  });

  it('waitForTask stops on abort and at the deadline', async () => {
    const { output } = await client.createTask({ model: MODEL, prompt: 'sleep=3000', images: [png], n: 1 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stop')), 150);
    const t0 = Date.now();
    await expect(client.waitForTask(output.task_id, { ...fast, signal: controller.signal })).rejects.toThrow('stop');
    expect(Date.now() - t0).toBeLessThan(1000);
    await expect(client.waitForTask(output.task_id, { ...fast, timeoutMs: 300 })).rejects.toMatchObject({ code: 'WaitTaskTimeout', status: 408 });
    await expect(client.waitForTask(output.task_id, { ...fast, deadline: Date.now() + 200 })).rejects.toMatchObject({ code: 'WaitTaskTimeout' });
  });
});

describe('SDK retries', () => {
  it('says that an HTML page is no API answer (a wrong base URL), without quoting the page', async () => {
    const s = await stub((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!DOCTYPE html>\n<html><head><title>Not Found</title></head><body>${'<p>nothing here</p>'.repeat(50)}</body></html>`);
    });
    try {
      const client = createClient({ baseUrl: s.url, apiKey: 'k' });
      await expect(client.getTask('t')).rejects.toMatchObject({
        code: 'Unknown',
        status: 404,
        message: `HTTP 404 from ${s.url}/tasks/t: an HTML page, not an API answer; is the base URL that of retouch or DashScope?`,
      });
    } finally {
      await s.close();
    }
  });

  it('honours Retry-After on 429, then succeeds', async () => {
    const s = await stub((_req, res, hit) => {
      if (hit === 1)
        return json(
          res,
          429,
          { request_id: 'r1', code: 'Throttling.RateQuota', message: 'Requests rate limit exceeded, please try again later.' },
          { 'retry-after': '1' },
        );
      json(res, 200, { request_id: 'r2', output: { task_id: 't', task_status: 'RUNNING' } });
    });
    try {
      const client = createClient({ baseUrl: s.url, apiKey: 'k', retry: { baseDelayMs: 10 } });
      const task = await client.getTask('t');
      expect(task.output.task_status).toBe('RUNNING');
      expect(s.hits).toHaveLength(2);
      expect(s.hits[1]! - s.hits[0]!).toBeGreaterThanOrEqual(950);
    } finally {
      await s.close();
    }
  });

  it('waitForTask keeps polling through 429 and 503, honouring Retry-After', async () => {
    const s = await stub((_req, res, hit) => {
      if (hit === 1) return json(res, 429, { code: 'Throttling', message: 'slow down', request_id: 'a' }, { 'retry-after': '1' });
      if (hit === 2) return json(res, 503, { code: 'ServiceUnavailable', message: 'later', request_id: 'b' });
      json(res, 200, { request_id: 'c', output: { task_id: 't', task_status: 'SUCCEEDED', results: [] } });
    });
    try {
      const client = createClient({ baseUrl: s.url, apiKey: 'k', retry: { baseDelayMs: 10 } });
      const task = await client.waitForTask('t', fast);
      expect(task.output.task_status).toBe('SUCCEEDED');
      expect(s.hits).toHaveLength(3);
      expect(s.hits[1]! - s.hits[0]!).toBeGreaterThanOrEqual(950);
    } finally {
      await s.close();
    }
  });

  it('retries 5xx a bounded number of times; never retries 4xx; never resubmits a create after a 500', async () => {
    const s = await stub((req, res) => {
      if (req.url?.includes('/tasks/bad')) return json(res, 400, { code: 'InvalidParameter', message: 'no', request_id: 'x' });
      json(res, 500, { code: 'InternalError', message: 'boom', request_id: 'y' });
    });
    try {
      const client = createClient({ baseUrl: s.url, apiKey: 'k', retry: { maxRetries: 2, baseDelayMs: 5 } });
      await expect(client.getTask('t')).rejects.toMatchObject({ code: 'InternalError', status: 500, requestId: 'y' });
      expect(s.hits).toHaveLength(3);
      s.hits.length = 0;
      await expect(client.getTask('bad')).rejects.toMatchObject({ code: 'InvalidParameter', status: 400 });
      expect(s.hits).toHaveLength(1);
      s.hits.length = 0;
      await expect(client.createTask({ prompt: 'x', images: ['https://example.com/a.png'] })).rejects.toMatchObject({ status: 500 });
      expect(s.hits).toHaveLength(1);
    } finally {
      await s.close();
    }
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(new Date(Date.now() + 5000).toUTCString(), Date.now())).toBeGreaterThan(3000);
    expect(parseRetryAfter(null)).toBeUndefined();
  });

  it('uses the completion signal hook instead of sleeping out the interval', async () => {
    let polls = 0;
    const s = await stub((_req, res) => {
      polls++;
      json(res, 200, { request_id: 'r', output: { task_id: 't', task_status: polls >= 3 ? 'SUCCEEDED' : 'RUNNING' } });
    });
    try {
      let signals = 0;
      const client = createClient({ baseUrl: s.url, apiKey: 'k', completionSignal: async () => void signals++ });
      const t0 = Date.now();
      await client.waitForTask('t', { initialIntervalMs: 5000 });
      expect(Date.now() - t0).toBeLessThan(2000);
      expect(signals).toBe(2);
    } finally {
      await s.close();
    }
  });
});
