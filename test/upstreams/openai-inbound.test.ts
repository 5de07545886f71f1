/**
 * `POST /v1/images/edits` at the HTTP level: what no SDK sends (broken multipart, masks, too
 * many images), the OpenAI error shape on every path, and a client that hangs up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBody, createTask, listTasks, pollUntil, testImage, waitForStatus } from '../helpers/http.js';
import { startTestServer, TEST_KEY, type TestServer } from '../helpers/server.js';
import { shortRowsPng } from '../security/hostile-images.js';

let server: TestServer;
let png: Buffer;

beforeAll(async () => {
  server = await startTestServer({ RETOUCH_RATE_LIMIT_SUBMIT: '0', RETOUCH_WORKER_CONCURRENCY: '1', RETOUCH_SHUTDOWN_GRACE: '0' });
  png = await testImage(512, 384);
});
afterAll(() => server.close());

function form(parts: Record<string, string | Buffer | Buffer[]>): FormData {
  const body = new FormData();
  for (const [name, value] of Object.entries(parts)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (typeof v === 'string') body.append(name, v);
      else body.append(name, new Blob([new Uint8Array(v)], { type: 'image/png' }), 'in.png');
    }
  }
  return body;
}

async function post(body: BodyInit | undefined, headers: Record<string, string> = {}, key: string | null = TEST_KEY, signal?: AbortSignal) {
  const res = await fetch(`${server.url}/v1/images/edits`, {
    method: 'POST',
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
    body,
    signal,
  });
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    body: (await res.json()) as { error?: { message: string; type: string; param: string | null; code: string | null }; data?: unknown[] },
  };
}

function expectOpenAiError(res: Awaited<ReturnType<typeof post>>, status: number, param: string | null, code: string) {
  expect(res.status).toBe(status);
  expect(res.type).toMatch(/^application\/json/);
  expect(Object.keys(res.body)).toEqual(['error']);
  expect(res.body.error).toMatchObject({ param, code });
  expect(typeof res.body.error!.message).toBe('string');
  expect(res.body.error!.type).toBe(status >= 500 ? 'server_error' : status === 429 ? 'requests' : 'invalid_request_error');
}

describe('bad requests get OpenAI-shaped errors', () => {
  it('no key, then a JSON body instead of multipart', async () => {
    expectOpenAiError(await post(form({ prompt: 'x', image: png }), {}, null), 401, null, 'invalid_api_key');
    expectOpenAiError(await post(JSON.stringify({ prompt: 'x' }), { 'content-type': 'application/json' }), 400, null, 'invalid_multipart');
  });

  it('a multipart body cut short', async () => {
    const boundary = 'XyZ';
    const broken = `--${boundary}\r\ncontent-disposition: form-data; name="prompt"\r\n\r\nhello\r\n--${boundary}\r\ncontent-disposition: form-data; name="image"; filename="a.png"\r\ncontent-type: image/png\r\n\r\n\x89PNG`;
    expectOpenAiError(await post(broken, { 'content-type': `multipart/form-data; boundary=${boundary}` }), 400, null, 'invalid_multipart');
  });

  it('missing prompt, missing image, four images, a mask, an unknown file field', async () => {
    expectOpenAiError(await post(form({ image: png })), 400, 'prompt', 'missing_required_parameter');
    expectOpenAiError(await post(form({ prompt: 'x' })), 400, 'image', 'missing_required_parameter');
    expectOpenAiError(await post(form({ prompt: 'x', model: 'retouch-test', 'image[]': [png, png, png, png] })), 400, 'image', 'too_many_images');
    expectOpenAiError(await post(form({ prompt: 'x', image: png, mask: png })), 400, 'mask', 'unsupported_parameter');
    expectOpenAiError(await post(form({ prompt: 'x', image: png, picture: png })), 400, 'picture', 'unknown_parameter');
  });

  it('bad size, n, response_format, seed and stream values', async () => {
    const base = { prompt: 'x', image: png, model: 'retouch-test' };
    expectOpenAiError(await post(form({ ...base, size: 'big' })), 400, 'size', 'invalid_value');
    expectOpenAiError(await post(form({ ...base, size: '5000x100' })), 400, 'size', 'invalid_value');
    expectOpenAiError(await post(form({ ...base, n: '0' })), 400, 'n', 'invalid_value');
    expectOpenAiError(await post(form({ ...base, response_format: 'png' })), 400, 'response_format', 'invalid_value');
    expectOpenAiError(await post(form({ ...base, seed: '-1' })), 400, 'seed', 'invalid_value');
    expectOpenAiError(await post(form({ ...base, stream: 'true' })), 400, 'stream', 'unsupported_parameter');
  });

  it('an unknown path or method under /v1', async () => {
    const res = await fetch(`${server.url}/v1/images/edits`, { headers: { authorization: `Bearer ${TEST_KEY}` } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { message: 'Invalid URL (GET /v1/images/edits).', type: 'invalid_request_error', param: null, code: 'unknown_url' },
    });
  });

  it('a form field named like an object property (__proto__, constructor) is an unknown parameter, not an unreadable body', async () => {
    for (const name of ['__proto__', 'constructor', 'toString']) {
      const res = await post(form({ prompt: 'x', image: png, [name]: 'y' }));
      expectOpenAiError(res, 400, null, 'unknown_parameter');
      expect(res.body.error!.message).not.toContain('could not be read');
    }
  });

  it('a path the router cannot read (bad percent-encoding) under /v1 is an OpenAI error too', async () => {
    const res = await fetch(`${server.url}/v1/images/%E0%A4%A`, { headers: { authorization: `Bearer ${TEST_KEY}` } });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['error']);
    expect(body.error).toMatchObject({ type: 'invalid_request_error', param: null, code: 'invalid_url' });
  });

  it('an image that is too small for the protocol', async () => {
    const tiny = await testImage(100, 100);
    expectOpenAiError(await post(form({ prompt: 'x', image: tiny, model: 'retouch-test' })), 400, 'image', 'invalid_image_size');
  });

  it('an image whose data does not decode (well-formed, so accepted at intake) is invalid_image once its edit fails', async () => {
    const res = await post(form({ prompt: 'make it black and white', image: shortRowsPng(), model: 'wan2.5-i2i-preview' }));
    expectOpenAiError(res, 400, 'image', 'invalid_image');
    expect(res.body.error!.message).toMatch(/input\.images\[0\] could not be decoded/);
  });
});

describe('extensions and waiting', () => {
  it('seed and negative_prompt reach the task (the test engine colours by seed)', async () => {
    const a = await post(form({ prompt: 'x', image: png, model: 'retouch-test', seed: '7', response_format: 'b64_json', size: '1024x1024' }));
    const b = await post(
      form({ prompt: 'x', image: png, model: 'retouch-test', seed: '7', response_format: 'b64_json', size: '1024x1024', negative_prompt: 'blur' }),
    );
    const c = await post(form({ prompt: 'x', image: png, model: 'retouch-test', seed: '8', response_format: 'b64_json', size: '1024x1024' }));
    const b64 = (r: typeof a) => (r.body.data![0] as { b64_json: string }).b64_json;
    expect(b64(a)).toBe(b64(b));
    expect(b64(a)).not.toBe(b64(c));
  });

  it('one failed image of several fails the answer (a success is all that was asked)', async () => {
    const res = await post(form({ prompt: 'fail=1', image: png, model: 'retouch-test', n: '2' }));
    expectOpenAiError(res, 500, null, 'InternalError.Algo');
    expect(res.body.error!.message).toMatch(/Image 1 failed/);
  });

  it('a task cancelled through the DashScope API while the request waits is a 409', async () => {
    const image = `data:image/png;base64,${png.toString('base64')}`;
    const blocker = await createTask(server.url, TEST_KEY, createBody([image], 'sleep=1000', { n: 1 }));
    await waitForStatus(server.url, TEST_KEY, blocker.body.output.task_id, ['RUNNING']);
    const pending = post(form({ prompt: 'queued', image: png, model: 'retouch-test' }));
    const queued = await pollUntil(
      () => listTasks(server.url, TEST_KEY, { status: 'PENDING' }),
      (r) => r.body.data.length === 1,
      10_000,
      'the task to queue',
    );
    const cancel = await fetch(`${server.url}/api/v1/tasks/${queued.body.data[0].task_id}/cancel`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_KEY}` },
    });
    expect(cancel.status).toBe(200);
    expectOpenAiError(await pending, 409, null, 'canceled');
    await waitForStatus(server.url, TEST_KEY, blocker.body.output.task_id, ['SUCCEEDED']);
  });

  it('a client that hangs up while its task waits in the queue cancels that task', async () => {
    const image = `data:image/png;base64,${png.toString('base64')}`;
    // Occupy the only worker slot.
    const blocker = await createTask(server.url, TEST_KEY, createBody([image], 'sleep=1500', { n: 1 }));
    await waitForStatus(server.url, TEST_KEY, blocker.body.output.task_id, ['RUNNING']);
    const abort = new AbortController();
    const pending = post(form({ prompt: 'queued', image: png, model: 'retouch-test' }), {}, TEST_KEY, abort.signal).catch((e: unknown) => e);
    const queued = await pollUntil(
      () => listTasks(server.url, TEST_KEY, { status: 'PENDING' }),
      (r) => r.body.data.length === 1,
      10_000,
      'the OpenAI request to queue its task',
    );
    abort.abort();
    expect(await pending).toBeInstanceOf(Error);
    const id = queued.body.data[0].task_id as string;
    const final = await waitForStatus(server.url, TEST_KEY, id, ['CANCELED', 'SUCCEEDED', 'FAILED'], 10_000);
    expect(final.body.output.task_status).toBe('CANCELED');
    await waitForStatus(server.url, TEST_KEY, blocker.body.output.task_id, ['SUCCEEDED']);
  });
});

describe('the body budget', () => {
  it('a request waiting for its task holds no share of the in-flight body budget', async () => {
    const small = await startTestServer({ RETOUCH_RATE_LIMIT_SUBMIT: '0', RETOUCH_MAX_INFLIGHT_BODY_MB: '1', RETOUCH_SHUTDOWN_GRACE: '0' });
    try {
      // Noise does not compress: each body is ~600 KB, two together exceed the 1 MB budget.
      const noise = (await import('node:crypto')).randomBytes(512 * 400 * 3);
      const big = await (
        await import('sharp')
      )
        .default(noise, { raw: { width: 512, height: 400, channels: 3 } })
        .png()
        .toBuffer();
      expect(big.length).toBeGreaterThan(550_000);
      const send = (prompt: string) =>
        fetch(`${small.url}/v1/images/edits`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TEST_KEY}` },
          body: form({ prompt, image: big, model: 'retouch-test' }),
        });
      const waiting = send('sleep=1500');
      await pollUntil(
        () => listTasks(small.url, TEST_KEY, {}),
        (r) => r.body.data.length === 1,
        10_000,
        'the first task to be stored',
      );
      const second = await send('x');
      expect(second.status).toBe(200);
      expect((await waiting).status).toBe(200);
    } finally {
      await small.close();
    }
  });
});
