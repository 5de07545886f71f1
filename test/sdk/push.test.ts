/**
 * The SDK's use of long-poll and Idempotency-Key: against a running retouch (real HTTP, the
 * requests observed by wrapping the real fetch), and against small node:http servers that
 * answer as DashScope does (it ignores both headers; it cannot run here).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type FetchLike } from '@retouch/sdk';
import { listTasks, testImage } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const MODEL = 'retouch-test';

interface Seen {
  method: string;
  url: string;
  headers: Headers;
  answer?: Headers;
}

/** The real fetch, with every request and its answer's headers recorded. */
function recording(seen: Seen[], before?: (init: RequestInit, n: number) => void, after?: (res: Response, n: number) => void): FetchLike {
  return async (input, init = {}) => {
    const entry: Seen = { method: init.method ?? 'GET', url: String(input), headers: new Headers(init.headers) };
    seen.push(entry);
    before?.(init, seen.length);
    const res = await fetch(input, init);
    entry.answer = res.headers;
    after?.(res, seen.length);
    return res;
  };
}

describe('SDK push features against retouch', () => {
  let server: TestServer;
  let png: Buffer;
  beforeAll(async () => {
    server = await startTestServer({ RETOUCH_RATE_LIMIT_QUERY: '0', RETOUCH_RATE_LIMIT_SUBMIT: '0' });
    png = await testImage(512, 384, 'png');
  });
  afterAll(() => server.close());

  it('waitForTask long-polls: each read waits for a change instead of sleeping out its interval', async () => {
    const seen: Seen[] = [];
    const client = createClient({ baseUrl: server.url, apiKey: server.key, fetch: recording(seen) });
    const { output } = await client.createTask({ model: MODEL, prompt: 'sleep=600', images: [png], n: 2 });
    // A 60 s first interval: plain polling would need over a minute, more than the test's budget.
    const task = await client.waitForTask(output.task_id, { initialIntervalMs: 60_000, maxIntervalMs: 60_000 });
    expect(task.output.task_status).toBe('SUCCEEDED');
    const reads = seen.filter((s) => s.method === 'GET');
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.length).toBeLessThanOrEqual(6);
    for (const r of reads) {
      expect(r.headers.get('prefer')).toBe('wait=30');
      expect(r.answer!.get('preference-applied')).toBe('wait=30');
    }
  });

  it('sends an Idempotency-Key with every create, and retries a create whose answer was lost without making a second task', async () => {
    const seen: Seen[] = [];
    let dropNext = false;
    const flaky: FetchLike = recording(seen, undefined, (res) => {
      if (dropNext && res.ok) {
        dropNext = false;
        // The server made the task; the client never hears of it.
        throw new TypeError('fetch failed (answer lost)');
      }
    });
    const client = createClient({ baseUrl: server.url, apiKey: server.key, fetch: flaky, retry: { baseDelayMs: 10 } });
    const before = (await listTasks(server.url, server.key, { page_size: 100 })).body.total;
    // The first create shows that the server honours keys (it echoes them).
    await client.createTask({ model: MODEL, prompt: 'sleep=1', images: [png], n: 1 });
    dropNext = true;
    const created = await client.createTask({ model: MODEL, prompt: 'sleep=1 second', images: [png], n: 1 });
    const posts = seen.filter((s) => s.method === 'POST');
    expect(posts).toHaveLength(3);
    const keys = posts.map((p) => p.headers.get('idempotency-key'));
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).not.toBe(keys[0]);
    expect(keys[2]).toBe(keys[1]);
    expect(posts[2]!.answer!.get('idempotent-replayed')).toBe('true');
    expect(created.output.task_id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await listTasks(server.url, server.key, { page_size: 100 })).body.total).toBe(before + 2);
    // Opting out sends no key.
    await client.createTask({ model: MODEL, prompt: 'sleep=1', images: [png], n: 1 }, { idempotencyKey: false });
    expect(
      seen
        .filter((s) => s.method === 'POST')
        .at(-1)!
        .headers.get('idempotency-key'),
    ).toBeNull();
  });
});

/** A DashScope-like server: ignores Prefer and Idempotency-Key; tasks finish on the 3rd read. */
async function dashscopeLike(
  createStatus = 200,
): Promise<{ url: string; requests: { method: string; headers: IncomingHttpHeaders }[]; close(): Promise<void> }> {
  const requests: { method: string; headers: IncomingHttpHeaders }[] = [];
  let reads = 0;
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method!, headers: req.headers });
    res.setHeader('content-type', 'application/json');
    if (req.method === 'POST') {
      res.statusCode = createStatus;
      const body =
        createStatus === 200
          ? { request_id: 'r', output: { task_id: 't', task_status: 'PENDING' } }
          : { request_id: 'r', code: 'InternalError', message: 'boom' };
      return res.end(JSON.stringify(body));
    }
    reads++;
    res.end(JSON.stringify({ request_id: 'r', output: { task_id: 't', task_status: reads >= 3 ? 'SUCCEEDED' : 'RUNNING' } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/api/v1`, requests, close: () => new Promise((r) => server.close(() => r())) };
}

describe('SDK push features against a server without them (DashScope)', () => {
  it('falls back to polling after one unanswered wait hint, and never retries an unconfirmed create on 5xx', async () => {
    const s = await dashscopeLike(500);
    try {
      const client = createClient({ baseUrl: s.url, apiKey: 'k', retry: { maxRetries: 3, baseDelayMs: 5 } });
      const task = await client.waitForTask('t', { initialIntervalMs: 20, maxIntervalMs: 40 });
      expect(task.output.task_status).toBe('SUCCEEDED');
      const prefers = s.requests.filter((r) => r.method === 'GET').map((r) => r.headers.prefer);
      expect(prefers).toEqual(['wait=30', undefined, undefined]);
      await expect(client.createTask({ prompt: 'x', images: ['https://example.com/a.png'] })).rejects.toMatchObject({ status: 500 });
      expect(s.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    } finally {
      await s.close();
    }
  });

  it("sends no wait hint to DashScope's own hosts", async () => {
    const seen: string[] = [];
    const canned: FetchLike = async (_input, init = {}) => {
      seen.push(new Headers(init.headers).get('prefer') ?? '-');
      return new Response(JSON.stringify({ request_id: 'r', output: { task_id: 't', task_status: 'SUCCEEDED' } }), {
        headers: { 'content-type': 'application/json' },
      });
    };
    const client = createClient({ baseUrl: 'https://dashscope.aliyuncs.com/api/v1', apiKey: 'k', fetch: canned });
    await client.waitForTask('t');
    expect(seen).toEqual(['-']);
  });
});
