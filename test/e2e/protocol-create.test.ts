/**
 * Create task (protocol.md §1, §4): POST /api/v1/services/aigc/image2image/image-synthesis over
 * real HTTP. Success shape, every documented error with its status/code/message, image checks,
 * leniency rules (unknown keys, empty negative prompt, prompt truncation) and the SSRF guard.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestServer, type TestServer } from '../helpers/server.js';
import {
  bmpImage,
  call,
  CREATE_PATH,
  createTask,
  dataUri,
  expectError,
  imageDataUri,
  rawRequest,
  streamHugeBody,
  testImage,
  UUID_RE,
  waitForStatus,
  NO_RATE_LIMITS,
} from '../helpers/http.js';

let s: TestServer;
let img: string; // a valid 400×400 PNG data URI
let jpeg: Buffer;
let png: Buffer;

const ASYNC = { 'X-DashScope-Async': 'enable' };
const body = (over: { input?: Record<string, unknown>; parameters?: Record<string, unknown>; model?: unknown } = {}) => ({
  model: over.model ?? 'retouch-test',
  input: { prompt: 'edit', images: [img], ...over.input },
  parameters: { n: 1, ...over.parameters },
});

beforeAll(async () => {
  s = await startTestServer({ ...NO_RATE_LIMITS, RETOUCH_WORKER_CONCURRENCY: '2', RETOUCH_SHUTDOWN_GRACE: '1s' });
  png = await testImage(400, 400, 'png');
  jpeg = await testImage(400, 400, 'jpeg');
  img = dataUri(png, 'image/png');
});
afterAll(async () => {
  await s?.close();
});

describe('create: success', () => {
  it('answers {output:{task_status:"PENDING",task_id}, request_id} with UUIDs and x-request-id', async () => {
    const res = await createTask(s.url, s.key, body());
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(res.body)).toEqual(['output', 'request_id']);
    expect(Object.keys(res.body.output).sort()).toEqual(['task_id', 'task_status']);
    expect(res.body.output.task_status).toBe('PENDING');
    expect(res.body.output.task_id).toMatch(UUID_RE);
    expect(res.body.request_id).toMatch(UUID_RE);
    expect(res.headers.get('x-request-id')).toBe(res.body.request_id);
    expect(res.body.output.task_id).not.toBe(res.body.request_id);
  });

  it('accepts Content-Type "application/json; charset=utf-8" (the SDKs) and the SDK header set', async () => {
    const res = await rawRequest(s.url + CREATE_PATH, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${s.key}`,
        'X-DashScope-Async': 'enable',
        'Content-Type': 'application/json; charset=utf-8',
        Accept: 'application/json; charset=utf-8',
        'user-agent': 'dashscope/1.26.2; python/3.12.0; platform/Linux; processor/x86_64',
        'X-DashScope-DataInspection': '{"input":"disable","output":"disable"}',
      },
      body: JSON.stringify({ model: 'retouch-test', parameters: { n: 1 }, input: { prompt: 'edit', negative_prompt: '', images: [img] } }),
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.output.task_status).toBe('PENDING');
  });

  it('reads a text/plain body as JSON (lenient), and refuses a text/plain body that is not JSON', async () => {
    const ok = await rawRequest(s.url + CREATE_PATH, {
      method: 'POST',
      headers: { Authorization: `Bearer ${s.key}`, ...ASYNC, 'Content-Type': 'text/plain' },
      body: JSON.stringify(body()),
    });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.output.task_id).toMatch(UUID_RE);
    const bad = await rawRequest(s.url + CREATE_PATH, {
      method: 'POST',
      headers: { Authorization: `Bearer ${s.key}`, ...ASYNC, 'Content-Type': 'text/plain' },
      body: 'please edit my picture',
    });
    expectError(bad, 400, ['InvalidParameter', 'BadRequest.IllegalInput']);
  });

  it('ignores unknown parameters (the SDK forwards extra kwargs) and unknown top-level keys', async () => {
    const res = await createTask(s.url, s.key, {
      ...body({ parameters: { style: '<auto>', ref_strength: 0.5, bbox_list: [[1, 2, 3, 4]], thinking_mode: true, watermark: false } }),
      function: 'description_edit',
      stream: false,
      resources: [],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const done = await waitForStatus(s.url, s.key, res.body.output.task_id);
    expect(done.body.output.task_status).toBe('SUCCEEDED');
  });

  it('accepts an absent parameters object (only model and input are required)', async () => {
    const res = await createTask(s.url, s.key, { model: 'retouch-test', input: { prompt: 'edit', images: [img] } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  });

  it('accepts negative_prompt "" (the documented examples send it)', async () => {
    const res = await createTask(s.url, s.key, body({ input: { negative_prompt: '' } }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  });

  it.each([
    ['ASCII', 'a'],
    ['Chinese (BMP)', '猫'],
    ['Chinese (astral, CJK Ext. B)', '𠀀'],
  ])('truncates a 2500-character %s prompt to 2000 characters (orig_prompt)', async (_label, ch) => {
    const prompt = ch.repeat(2500);
    const res = await createTask(s.url, s.key, body({ input: { prompt } }));
    expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(200);
    const done = await waitForStatus(s.url, s.key, res.body.output.task_id);
    expect(done.body.output.task_status).toBe('SUCCEEDED');
    const orig: string = done.body.output.results[0].orig_prompt;
    expect(Array.from(orig)).toHaveLength(2000);
    expect(orig).toBe(ch.repeat(2000));
  });

  it('accepts JPEG content declared as image/png (the content is sniffed)', async () => {
    const res = await createTask(s.url, s.key, body({ input: { images: [dataUri(jpeg, 'image/png')] } }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const done = await waitForStatus(s.url, s.key, res.body.output.task_id);
    expect(done.body.output.task_status).toBe('SUCCEEDED');
  });

  it('accepts image/jpg and a data URI MIME in upper case', async () => {
    for (const mime of ['image/jpg', 'IMAGE/JPEG']) {
      const res = await createTask(s.url, s.key, body({ input: { images: [dataUri(jpeg, mime)] } }));
      expect(res.status, `${mime}: ${JSON.stringify(res.body)}`).toBe(200);
    }
  });

  it('accepts a 24-bit BMP and runs the task to SUCCEEDED', async () => {
    const res = await createTask(s.url, s.key, body({ input: { images: [dataUri(bmpImage(401, 400), 'image/bmp')] } }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const done = await waitForStatus(s.url, s.key, res.body.output.task_id);
    expect(done.body.output.task_status).toBe('SUCCEEDED');
  });

  it('accepts WEBP', async () => {
    const res = await createTask(s.url, s.key, body({ input: { images: [await imageDataUri(400, 400, 'webp')] } }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const done = await waitForStatus(s.url, s.key, res.body.output.task_id);
    expect(done.body.output.task_status).toBe('SUCCEEDED');
  });

  it('accepts three images and sides of exactly 384 and 5000 px', async () => {
    const edge = dataUri(await testImage(5000, 384, 'png'), 'image/png');
    const res = await createTask(s.url, s.key, body({ input: { images: [img, edge, await imageDataUri(384, 384)] } }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  });
});

describe('create: authentication and headers', () => {
  it('no Authorization → 401 InvalidApiKey "No API-key provided."', async () => {
    const res = await call(s.url + CREATE_PATH, { body: body(), headers: ASYNC });
    expectError(res, 401, 'InvalidApiKey', 'No API-key provided.');
  });

  it('"Bearer " with an empty key → 401 InvalidApiKey', async () => {
    const res = await call(s.url + CREATE_PATH, { body: body(), headers: { ...ASYNC, Authorization: 'Bearer ' } });
    expectError(res, 401, 'InvalidApiKey');
  });

  it('a wrong key → 401 InvalidApiKey "Invalid API-key provided."', async () => {
    const res = await createTask(s.url, 'sk-not-a-real-key-123456', body());
    expectError(res, 401, 'InvalidApiKey', 'Invalid API-key provided.');
  });

  it('missing X-DashScope-Async → 403 AccessDenied', async () => {
    const res = await call(s.url + CREATE_PATH, { key: s.key, body: body() });
    expectError(res, 403, 'AccessDenied', 'current user api does not support synchronous calls');
  });

  it('X-DashScope-Async: disable → 403 AccessDenied', async () => {
    const res = await createTask(s.url, s.key, body(), { 'X-DashScope-Async': 'disable' });
    expectError(res, 403, 'AccessDenied', 'current user api does not support synchronous calls');
  });
});

describe('create: body errors', () => {
  const post = (text: string, contentType = 'application/json') =>
    rawRequest(s.url + CREATE_PATH, {
      method: 'POST',
      headers: { Authorization: `Bearer ${s.key}`, ...ASYNC, 'Content-Type': contentType },
      body: text,
    });

  it('malformed JSON → 400 InvalidParameter "Required body invalid…"', async () => {
    expectError(await post('{"model": "retouch-test", "input": {'), 400, 'InvalidParameter', 'Required body invalid, please check the request body format.');
  });

  it('an empty body → 400 (never 5xx)', async () => {
    const res = await post('');
    expectError(res, 400, ['InvalidParameter', 'BadRequest.IllegalInput', 'BadRequest.EmptyModel']);
  });

  it('no body and no Content-Type → 400', async () => {
    const res = await rawRequest(s.url + CREATE_PATH, { method: 'POST', headers: { Authorization: `Bearer ${s.key}`, ...ASYNC } });
    expectError(res, 400, ['InvalidParameter', 'BadRequest.IllegalInput', 'BadRequest.EmptyModel']);
  });

  it.each(['[1,2]', '"text"', '42', 'null', 'true'])('non-object JSON %s → 400 BadRequest.IllegalInput', async (text) => {
    expectError(await post(text), 400, 'BadRequest.IllegalInput', 'The input parameter requires json format.');
  });

  it('missing model → 400 BadRequest.EmptyModel', async () => {
    const { model: _m, ...rest } = body();
    const res = await createTask(s.url, s.key, rest);
    expectError(res, 400, 'BadRequest.EmptyModel', 'Required parameter "model" missing from request.');
  });

  it('an empty model → 400 BadRequest.EmptyModel', async () => {
    expectError(await createTask(s.url, s.key, body({ model: '' })), 400, 'BadRequest.EmptyModel');
  });

  it('an unknown model → 400 "Model not exist."', async () => {
    const res = await createTask(s.url, s.key, body({ model: 'wan9.9-nonexistent' }));
    expectError(res, 400, 'InvalidParameter', 'Model not exist.');
  });

  it('missing input → 400 BadRequest.EmptyInput', async () => {
    const res = await createTask(s.url, s.key, { model: 'retouch-test', parameters: {} });
    expectError(res, 400, 'BadRequest.EmptyInput', 'Required input parameter missing from request.');
  });

  it.each([
    ['missing', { prompt: undefined }],
    ['empty', { prompt: '' }],
    ['blank', { prompt: '   ' }],
    ['not a string', { prompt: 42 }],
  ])('a %s prompt → 400 InvalidParameter naming the prompt', async (_label, input) => {
    const res = await createTask(s.url, s.key, body({ input }));
    expectError(res, 400, 'InvalidParameter', /prompt/);
  });

  it.each([
    ['missing', undefined],
    ['not an array', img],
    ['empty', []],
    ['4 items', ['a', 'b', 'c', 'd']],
    ['a non-string item', [img, 42]],
    ['an empty-string item', ['']],
  ])('images %s → 400 InvalidParameter naming the images', async (_label, images) => {
    const res = await createTask(s.url, s.key, body({ input: { images } }));
    expectError(res, 400, 'InvalidParameter', /images/);
  });

  it.each([0, 5, 1.5, '2', -1, 'x', true])('n = %j → 400 "Range of n should be [1, 4]"', async (n) => {
    const res = await createTask(s.url, s.key, body({ parameters: { n } }));
    expectError(res, 400, 'InvalidParameter', 'Range of n should be [1, 4]');
  });

  it.each([
    ['malformed', '1280x1280'],
    ['not a string', 1280],
    ['too few pixels', '700*700'],
    ['too many pixels', '1281*1280'],
    ['aspect > 4:1', '2100*500'],
    ['aspect < 1:4', '500*2100'],
    ['zero', '0*0'],
  ])('size %s (%j) → 400 InvalidParameter naming size', async (_label, size) => {
    const res = await createTask(s.url, s.key, body({ parameters: { size } }));
    expectError(res, 400, 'InvalidParameter', /size/i);
  });

  it.each(['768*768', '1280*1280', '2048*512', '1344*576'])('size %s (in range) is accepted', async (size) => {
    const res = await createTask(s.url, s.key, body({ parameters: { size } }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  });

  it.each([-1, 2147483648, 1.5, '7'])('seed %j → 400 InvalidParameter naming seed', async (seed) => {
    const res = await createTask(s.url, s.key, body({ parameters: { seed } }));
    expectError(res, 400, 'InvalidParameter', /seed/);
  });

  it.each([0, 2147483647])('seed %j (bound) is accepted', async (seed) => {
    const res = await createTask(s.url, s.key, body({ parameters: { seed } }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  });

  it.each([
    ['prompt_extend', 'yes'],
    ['watermark', 'true'],
  ])('%s = %j → 400 InvalidParameter naming it', async (name, value) => {
    const res = await createTask(s.url, s.key, body({ parameters: { [name]: value } }));
    expectError(res, 400, 'InvalidParameter', new RegExp(name));
  });

  it('parameters that is not an object → 400 InvalidParameter', async () => {
    const res = await createTask(s.url, s.key, { model: 'retouch-test', input: { prompt: 'x', images: [img] }, parameters: [1] });
    expectError(res, 400, 'InvalidParameter');
  });

  it('input that is not an object → 400 (not a 5xx)', async () => {
    for (const input of ['just text', [img], 7]) {
      const res = await createTask(s.url, s.key, { model: 'retouch-test', input });
      expectError(res, 400, ['InvalidParameter', 'BadRequest.EmptyInput', 'BadRequest.IllegalInput']);
    }
  });

  it('a mixed bag of malformed bodies never gives a 5xx', async () => {
    const bodies: unknown[] = [
      { model: ['retouch-test'], input: { prompt: 'x', images: [img] } },
      { model: 'retouch-test', input: { prompt: 'x', images: [img], negative_prompt: 5 } },
      { model: 'retouch-test', input: { prompt: 'x', images: [{ url: img }] } },
      { model: 'retouch-test', input: { prompt: 'x', images: [img] }, parameters: { n: 1e308 } },
      { model: 'retouch-test', input: { prompt: 'x', images: [img] }, parameters: { size: '99999*99999' } },
      { model: 'retouch-test', input: { prompt: 'x', images: ['data:'] } },
      { model: 'retouch-test', input: { prompt: 'x', images: ['data:image/png;base64,'] } },
      { model: 'retouch-test', input: { prompt: 'x', images: ['ftp://example.com/a.png'] } },
      { model: 'retouch-test', input: { prompt: 'x', images: ['not a url at all'] } },
      { model: 'retouch-test', input: { prompt: 'x', images: ['oss://dashscope-instant/none.png'] } },
      { model: 'retouch-test', input: { prompt: 'x\u0000y', images: ['\u0000'] } },
    ];
    for (const b of bodies) {
      const res = await createTask(s.url, s.key, b);
      expectError(res, 400, /^(InvalidParameter|InvalidURL|InvalidImage|BadRequest)/);
    }
  });
});

describe('create: image checks', () => {
  it('a data URI with an unsupported MIME type → 400', async () => {
    for (const mime of ['image/gif', 'text/plain', 'application/octet-stream']) {
      const res = await createTask(s.url, s.key, body({ input: { images: [dataUri(png, mime)] } }));
      expectError(res, 400, ['InvalidImage.FileFormat', 'InvalidParameter']);
    }
  });

  it('a data URI that is not base64 or lacks the base64 marker → 400', async () => {
    for (const uri of ['data:image/png;base64,@@@not*base64!!', `data:image/png,${png.toString('base64')}`, 'data:image/png;base64']) {
      const res = await createTask(s.url, s.key, body({ input: { images: [uri] } }));
      expectError(res, 400, ['InvalidParameter', 'InvalidImage.FileFormat', 'InvalidImageFormat', 'InvalidURL']);
    }
  });

  it('bytes that are not an image → 400 InvalidImage.FileFormat', async () => {
    const res = await createTask(s.url, s.key, body({ input: { images: [dataUri(Buffer.from('GIF89a this is not an image at all'), 'image/png')] } }));
    expectError(res, 400, 'InvalidImage.FileFormat', /^Invalid image type\. Please ensure the uploaded file is a valid image/);
  });

  it.each([
    [100, 100],
    [383, 400],
    [400, 383],
    [5001, 400],
    [400, 5001],
  ])('a %i×%i image → 400 InvalidImageResolution', async (w, h) => {
    const res = await createTask(s.url, s.key, body({ input: { images: [dataUri(await testImage(w, h, 'png'), 'image/png')] } }));
    expectError(res, 400, 'InvalidImageResolution', /^The input image resolution is too large or small/);
  });

  it('an image file over 10 MB → 400 (never 5xx), even when it is a valid image', async () => {
    // A valid PNG followed by padding: decoders ignore bytes after IEND, so only the size is wrong.
    const big = Buffer.concat([png, Buffer.alloc(10 * 1024 * 1024 + 1 - png.length)]);
    const res = await createTask(s.url, s.key, body({ input: { images: [dataUri(big, 'image/png')] } }));
    expectError(res, 400, ['InvalidParameter', 'InvalidImage.FileFormat', 'InvalidImageFormat', 'BadRequest.TooLarge'], /10 ?MB|too large/i);
  });

  it('a small BMP → 400 InvalidImageResolution', async () => {
    const res = await createTask(s.url, s.key, body({ input: { images: [dataUri(bmpImage(100, 100), 'image/bmp')] } }));
    expectError(res, 400, 'InvalidImageResolution');
  });

  it('an out-of-range image in second position is refused too', async () => {
    const res = await createTask(s.url, s.key, body({ input: { images: [img, await imageDataUri(200, 200)] } }));
    expectError(res, 400, 'InvalidImageResolution');
  });

  it.each(['png', 'jpeg', 'bmp'] as const)('a truncated %s → 400 InvalidImageFormat', async (format) => {
    const whole = format === 'bmp' ? bmpImage(400, 400) : await testImage(400, 400, format);
    const cut = whole.subarray(0, Math.floor(whole.length / 2));
    const res = await createTask(s.url, s.key, body({ input: { images: [dataUri(cut, `image/${format}`)] } }));
    expectError(res, 400, 'InvalidImageFormat', /^The input image is in invalid format/);
  });

  it('an http:// URL to a loopback server is refused by the SSRF guard, and nothing is fetched', async () => {
    let hits = 0;
    const target: Server = createServer((_req, res) => {
      hits++;
      res.writeHead(200, { 'content-type': 'image/png' }).end(png);
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    try {
      const port = (target.address() as { port: number }).port;
      for (const url of [
        `http://127.0.0.1:${port}/a.png`,
        `http://localhost:${port}/a.png`,
        `http://0x7f000001:${port}/a.png`,
        `http://127.1:${port}/a.png`,
        `http://user:pass@127.0.0.1:${port}/a.png`,
        `http://[::ffff:127.0.0.1]:${port}/a.png`,
        `https://127.0.0.1:${port}/a.png`,
        `HTTP://127.0.0.1:${port}/a.png`,
      ]) {
        const res = await createTask(s.url, s.key, body({ input: { images: [url] } }));
        expectError(res, 400, /^InvalidURL/);
      }
      expect(hits).toBe(0);
    } finally {
      await new Promise((r) => target.close(r));
    }
  });
});

describe('create: paths, methods and limits', () => {
  it('the text2image path with wan2.5-i2i-preview → 400 "url error, please check url!"', async () => {
    const res = await call(`${s.url}/api/v1/services/aigc/text2image/image-synthesis`, {
      key: s.key,
      headers: ASYNC,
      body: body({ model: 'wan2.5-i2i-preview' }),
    });
    expectError(res, 400, 'InvalidParameter', /^url error, please check url/);
  });

  it('GET on the create path → 400 "Request method \'GET\' is not supported."', async () => {
    const res = await call(s.url + CREATE_PATH, { key: s.key, headers: ASYNC });
    expectError(res, 400, 'InvalidParameter', "Request method 'GET' is not supported.");
  });

  it('an unknown path → 404 NotFound', async () => {
    for (const path of ['/api/v1/services/aigc/image2image/nope', '/api/v2/tasks', '/nothing-here']) {
      const res = await call(s.url + path, { key: s.key });
      expectError(res, 404, 'NotFound');
    }
  });

  it('a body over 42 MB with Content-Length → 400 BadRequest.TooLarge', async () => {
    const res = await streamHugeBody(
      s.url + CREATE_PATH,
      { Authorization: `Bearer ${s.key}`, ...ASYNC, 'Content-Type': 'application/json' },
      43 * 1024 * 1024,
      true,
    );
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.code).toBe('BadRequest.TooLarge');
    expect(res.body.request_id).toMatch(UUID_RE);
  });

  it('a chunked body over 42 MB → 400 BadRequest.TooLarge', async () => {
    const res = await streamHugeBody(
      s.url + CREATE_PATH,
      { Authorization: `Bearer ${s.key}`, ...ASYNC, 'Content-Type': 'application/json' },
      43 * 1024 * 1024,
      false,
    );
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('BadRequest.TooLarge');
    expect(res.body.request_id).toMatch(UUID_RE);
  });

  it('the server still serves after the oversize bodies', async () => {
    const res = await createTask(s.url, s.key, body());
    expect(res.status).toBe(200);
  });
});
