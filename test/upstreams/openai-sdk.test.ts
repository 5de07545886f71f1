/**
 * The official `openai` npm package against retouch's OpenAI-compatible `POST /v1/images/edits`
 * (a real server on loopback, the scriptable test engine behind model `retouch-test`).
 */
import OpenAI, { AuthenticationError, BadRequestError, InternalServerError, NotFoundError, RateLimitError, toFile } from 'openai';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTasks, testImage } from '../helpers/http.js';
import { startTestServer, TEST_KEY, type TestServer } from '../helpers/server.js';
import { storedBlobKeys } from '../helpers/stored-blobs.js';

let server: TestServer;
let client: OpenAI;
let png: Buffer;

beforeAll(async () => {
  server = await startTestServer({ RETOUCH_RATE_LIMIT_SUBMIT: '0' });
  client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${server.url}/v1`, maxRetries: 0 });
  png = await testImage(512, 384);
});
afterAll(() => server.close());

const file = (bytes: Buffer, name = 'input.png') => toFile(bytes, name, { type: 'image/png' });

async function pngInfo(bytes: Buffer) {
  const meta = await sharp(bytes).metadata();
  return { format: meta.format, width: meta.width, height: meta.height };
}

describe('client.images.edit', () => {
  it('edits one image and answers b64_json of the requested size, with revised_prompt', async () => {
    const res = await client.images.edit({
      model: 'retouch-test',
      image: await file(png),
      prompt: 'make it teal',
      size: '1024x1024',
      response_format: 'b64_json',
    });
    expect(res.data).toHaveLength(1);
    expect(typeof res.created).toBe('number');
    const item = res.data![0]!;
    expect(item.url).toBeUndefined();
    expect(await pngInfo(Buffer.from(item.b64_json!, 'base64'))).toEqual({ format: 'png', width: 1024, height: 1024 });
    expect(item.revised_prompt).toBe('Test engine output for: make it teal');
  });

  it('edits three images together (sent as image[]) and answers signed urls that download', async () => {
    const images = [await file(png, 'a.png'), await file(await testImage(400, 400), 'b.png'), await file(await testImage(600, 400, 'jpeg'), 'c.jpg')];
    const res = await client.images.edit({ model: 'retouch-test', image: images, prompt: 'combine', n: 2, size: '1280x720', response_format: 'url' });
    expect(res.data).toHaveLength(2);
    for (const item of res.data!) {
      expect(item.url).toMatch(new RegExp(`^${server.url}/files/`));
      const dl = await fetch(item.url!);
      expect(dl.status).toBe(200);
      expect(await pngInfo(Buffer.from(await dl.arrayBuffer()))).toEqual({ format: 'png', width: 1280, height: 720 });
    }
    // The task behind the answer kept all three inputs.
    const list = await listTasks(server.url, TEST_KEY, { page_size: 1 });
    const taskId = list.body.data[0].task_id as string;
    const shard = `default/inputs/${taskId.slice(0, 2)}/`;
    expect(storedBlobKeys(server.dataDir).filter((key) => key.startsWith(`${shard}${taskId}.`))).toEqual(
      [0, 1, 2].map((i) => `${shard}${taskId}.${i}.${i === 2 ? 'jpg' : 'png'}`),
    );
  });

  it('defaults to url, n=1 and the default size for the input aspect', async () => {
    const res = await client.images.edit({ model: 'retouch-test', image: await file(png), prompt: 'anything' });
    expect(res.data).toHaveLength(1);
    const dl = await fetch(res.data![0]!.url!);
    // 512×384 (4:3) → the default ~1280² output at 4:3.
    expect(await pngInfo(Buffer.from(await dl.arrayBuffer()))).toEqual({ format: 'png', width: 1472, height: 1104 });
  });

  it('uses wan2.5-i2i-preview (the built-in engine) when no model is given', async () => {
    const res = await client.images.edit({ image: await file(png), prompt: 'flip horizontally', size: '1024x768', response_format: 'b64_json' } as never);
    expect(await pngInfo(Buffer.from(res.data![0]!.b64_json!, 'base64'))).toEqual({ format: 'png', width: 1024, height: 768 });
    const list = await listTasks(server.url, TEST_KEY, { page_size: 1 });
    expect(list.body.data[0].model_name).toBe('wan2.5-i2i-preview');
  });
});

describe('errors the SDK raises', () => {
  it('a wrong key is an AuthenticationError with code invalid_api_key', async () => {
    const bad = new OpenAI({ apiKey: 'sk-wrong', baseURL: `${server.url}/v1`, maxRetries: 0 });
    const err = await bad.images.edit({ model: 'retouch-test', image: await file(png), prompt: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as AuthenticationError).status).toBe(401);
    expect((err as AuthenticationError).code).toBe('invalid_api_key');
    expect((err as AuthenticationError).type).toBe('invalid_request_error');
  });

  it('an unknown model is a NotFoundError with code model_not_found', async () => {
    const err = await client.images.edit({ model: 'dall-e-9', image: await file(png), prompt: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).code).toBe('model_not_found');
    expect((err as NotFoundError).param).toBe('model');
  });

  it('a size outside the model range is a BadRequestError on param size', async () => {
    const err = await client.images.edit({ model: 'retouch-test', image: await file(png), prompt: 'x', size: '256x256' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as BadRequestError).param).toBe('size');
    expect((err as BadRequestError).message).toMatch(/768\*768/);
  });

  it('n above 4 is a BadRequestError on param n', async () => {
    const err = await client.images.edit({ model: 'retouch-test', image: await file(png), prompt: 'x', n: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as BadRequestError).param).toBe('n');
  });

  it('a file that is not an image is a BadRequestError on param image', async () => {
    const err = await client.images
      .edit({ model: 'retouch-test', image: await toFile(Buffer.from('not an image at all'), 'x.png'), prompt: 'x' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as BadRequestError).param).toBe('image');
    expect((err as BadRequestError).code).toBe('invalid_image_format');
  });

  it('an instruction the built-in engine cannot do is a BadRequestError that says so', async () => {
    const err = await client.images
      .edit({
        model: 'wan2.5-i2i-preview',
        image: await file(png),
        prompt: 'Change the floral dress to a vintage-style lace long dress with exquisite embroidery details on the collar and cuffs.',
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as BadRequestError).code).toBe('InvalidParameter');
  });

  it('an image that fails in the engine is an InternalServerError carrying the task code', async () => {
    const err = await client.images.edit({ model: 'retouch-test', image: await file(png), prompt: 'fail=0' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InternalServerError);
    expect((err as InternalServerError).code).toBe('InternalError.Algo');
  });

  it('over the workspace submission rate is a RateLimitError with Retry-After', async () => {
    const limited = await startTestServer({ RETOUCH_RATE_LIMIT_SUBMIT: '1' });
    try {
      const c = new OpenAI({ apiKey: TEST_KEY, baseURL: `${limited.url}/v1`, maxRetries: 0 });
      const image = await file(png);
      const outcomes = await Promise.all([1, 2, 3].map(() => c.images.edit({ model: 'retouch-test', image, prompt: 'x' }).catch((e: unknown) => e)));
      const limitedErrors = outcomes.filter((o): o is RateLimitError => o instanceof RateLimitError);
      expect(limitedErrors).toHaveLength(2);
      expect(limitedErrors[0]!.code).toBe('rate_limit_exceeded');
      expect(Number(limitedErrors[0]!.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(outcomes.filter((o) => !(o instanceof Error))).toHaveLength(1);
    } finally {
      await limited.close();
    }
  });
});
