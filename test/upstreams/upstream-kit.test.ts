/** The pieces the upstream engines share: semaphore, output normalisation, reply and error reading. */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { EditError } from '../../src/engines/engine.js';
import { pickSize } from '../../src/engines/openai/index.js';
import { errorFor, readImages } from '../../src/engines/openai/reply.js';
import { retryAfterMs, type UpstreamReply } from '../../src/engines/upstream-kit/http.js';
import { normalizeOutput } from '../../src/engines/upstream-kit/output.js';
import { createSemaphore } from '../../src/engines/upstream-kit/semaphore.js';

const reply = (status: number, body: unknown, headers: Record<string, string> = {}): UpstreamReply => ({
  status,
  headers: new Headers(headers),
  body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
});

describe('semaphore', () => {
  it('hands slots over in arrival order and drops aborted waiters', async () => {
    const s = createSemaphore(1);
    const order: string[] = [];
    const first = await s.acquire();
    const abort = new AbortController();
    const b = s.acquire().then((release) => (order.push('b'), release));
    const aborted = s.acquire(abort.signal).catch((e: unknown) => e);
    const c = s.acquire().then((release) => (order.push('c'), release));
    expect([s.inFlight, s.waiting]).toEqual([1, 3]);
    abort.abort(new Error('gone'));
    expect(((await aborted) as Error).message).toBe('gone');
    first();
    (await b)();
    (await c)();
    expect(order).toEqual(['b', 'c']);
    expect([s.inFlight, s.waiting]).toEqual([0, 0]);
  });
});

describe('normalizeOutput', () => {
  const flat = (width: number, height: number, format: 'png' | 'jpeg' = 'png') =>
    sharp({ create: { width, height, channels: 3, background: { r: 200, g: 10, b: 10 } } })
      .toFormat(format)
      .toBuffer();

  it('keeps a PNG of the right size byte for byte', async () => {
    const png = await flat(800, 800);
    expect((await normalizeOutput(png, { width: 800, height: 800 }, false, 'x')).equals(png)).toBe(true);
  });

  it('scales another format or size to cover the wanted size and crops the middle', async () => {
    // Left half black, right half white, 2:1; wanted 1:1 → the centre crop is half black, half white.
    const halves = await sharp({ create: { width: 400, height: 200, channels: 3, background: '#000' } })
      .composite([
        {
          input: await sharp({ create: { width: 200, height: 200, channels: 3, background: '#fff' } })
            .png()
            .toBuffer(),
          left: 200,
          top: 0,
        },
      ])
      .jpeg({ quality: 95 })
      .toBuffer();
    const out = await normalizeOutput(halves, { width: 100, height: 100 }, false, 'x');
    const meta = await sharp(out).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 100, 100]);
    const { data } = await sharp(out).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect(data[(50 * 100 + 10) * 3]!).toBeLessThan(30);
    expect(data[(50 * 100 + 90) * 3]!).toBeGreaterThan(225);
  });

  it('watermarks when asked, and refuses bytes that are no image', async () => {
    const png = await flat(800, 800);
    expect((await normalizeOutput(png, { width: 800, height: 800 }, true, 'x')).equals(png)).toBe(false);
    await expect(normalizeOutput(Buffer.from('<html>'), { width: 800, height: 800 }, false, 'The image')).rejects.toMatchObject({
      code: 'Upstream.BadResponse',
    });
  });
});

describe('OpenAI-style replies', () => {
  it('picks the listed size closest in aspect ratio, the exact size without a list', () => {
    expect(pickSize({ width: 1280, height: 720 }, undefined)).toBe('1280x720');
    expect(pickSize({ width: 1280, height: 720 }, ['1024x1024', '1536x1024', '1024x1536'])).toBe('1536x1024');
    expect(pickSize({ width: 720, height: 1280 }, ['1024x1024', '1536x1024', '1024x1536'])).toBe('1024x1536');
  });

  it('reads b64_json and url items, and refuses an answer without images', () => {
    expect(readImages(reply(200, { data: [{ b64_json: 'AAA', revised_prompt: 'r' }, { url: 'http://x/1.png' }] }), 'u')).toEqual([
      { b64: 'AAA', url: undefined, revisedPrompt: 'r' },
      { b64: undefined, url: 'http://x/1.png', revisedPrompt: undefined },
    ]);
    expect(() => readImages(reply(200, { data: [] }), 'u')).toThrow(EditError);
  });

  it('maps OpenAI, FastAPI and plain-text failures to task codes with the upstream words', () => {
    const openai = errorFor(
      reply(400, { error: { message: 'Your request was rejected by the safety system.', type: 'image_generation_user_error', code: 'moderation_blocked' } }),
      'U',
    );
    expect([openai.code, openai.message]).toEqual([
      'DataInspectionFailed',
      'U answered 400: Your request was rejected by the safety system. (code moderation_blocked)',
    ]);
    const fastapi = errorFor(reply(422, { detail: [{ loc: ['body', 'prompt'], msg: 'Field required', type: 'missing' }] }), 'U');
    expect([fastapi.code, fastapi.message]).toEqual(['Upstream.InvalidRequest', 'U answered 422: Field required (prompt)']);
    expect(errorFor(reply(400, { detail: "Only response_format 'b64_json' is supported now." }), 'U').message).toMatch(/b64_json/);
    expect(errorFor(reply(503, 'Service Unavailable'), 'U').code).toBe('Upstream.Unavailable');
    expect(errorFor(reply(500, { detail: 'Image edit failed: CUDA out of memory' }), 'U').code).toBe('Upstream.Failed');
    expect(errorFor(reply(401, { error: { message: 'Incorrect API key provided' } }), 'U').code).toBe('Upstream.AuthFailed');
  });

  it('reads Retry-After as seconds or as a date', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': '2' }))).toBe(2000);
    expect(retryAfterMs(new Headers({ 'retry-after': new Date(10_000).toUTCString() }), 4000)).toBe(6000);
    expect(retryAfterMs(new Headers())).toBeUndefined();
  });
});
