/**
 * The `openai` engine against a second, real retouch process (`retouch serve` as a child
 * process) and its OpenAI-compatible `POST /v1/images/edits`, through a loopback proxy that
 * records every request reaching the upstream. The upstream's test engine paints each output a
 * colour chosen by its seed, so the images prove which seed made them.
 */
import { rmSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAiEngine, type OpenAiOptionsInput } from '../../src/engines/openai/index.js';
import { EditError, type EditRequest, type EditResult, type Engine } from '../../src/engines/engine.js';
import { defaultOutputSize } from '@retouch/sdk/protocol';
import { testImage } from '../helpers/http.js';
import { bogusDqtJpeg } from '../security/hostile-images.js';
import { spawnServer, tempDataDir, TEST_KEY, type ChildServer } from '../helpers/server.js';
import { startCountingProxy, type CountingProxy } from './counting-proxy.js';

const log = { warn: () => undefined };
const dirs: string[] = [];
const children: ChildServer[] = [];
let upstream: ChildServer;
let proxy: CountingProxy;
let input: Buffer;

async function spawnUpstream(env: Record<string, string>): Promise<ChildServer> {
  const dir = tempDataDir();
  dirs.push(dir);
  const child = await spawnServer(dir, { RETOUCH_WORKER_CONCURRENCY: '4', RETOUCH_SHUTDOWN_GRACE: '0', ...env });
  children.push(child);
  return child;
}

beforeAll(async () => {
  upstream = await spawnUpstream({ RETOUCH_RATE_LIMIT_SUBMIT: '0' });
  proxy = await startCountingProxy(upstream.url);
  input = await testImage(512, 384);
});

afterAll(async () => {
  await proxy?.close();
  for (const child of children) {
    child.child.kill('SIGKILL');
    await child.exited;
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The test engine's colour for a seed (src/engines/test-engine.ts). */
const colourOf = (seed: number) => {
  const step = seed % 16;
  return [step * 16, 255 - step * 16, (step * 97) % 256];
};

async function pixel(png: Buffer): Promise<number[]> {
  const { data } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return [data[0]!, data[1]!, data[2]!];
}

function engine(options: Partial<OpenAiOptionsInput> = {}, apiKey: string | undefined = TEST_KEY, concurrency = 1, timeoutMs?: number): Engine {
  return createOpenAiEngine({ base_url: proxy.url, model: 'retouch-test', ...options }, { route: 'qwen-edit', apiKey, log, concurrency, timeoutMs });
}

/** Runs a task's outputs the way the worker does: one edit per index, in order. */
async function runTask(e: Engine, n: number, seed: number, extra: Partial<EditRequest> = {}): Promise<EditResult[]> {
  const images = [input];
  const signal = new AbortController().signal;
  const out: EditResult[] = [];
  for (let index = 0; index < n; index++) {
    out.push(
      await e.edit({
        images,
        prompt: 'paint',
        negativePrompt: '',
        index,
        count: n,
        seed: seed + index,
        size: { width: 1024, height: 1024 },
        promptExtend: false,
        watermark: false,
        signal,
        ...extra,
      }),
    );
  }
  return out;
}

const editError = async (p: Promise<unknown>): Promise<EditError> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EditError);
  return err as EditError;
};

describe('outputs and n', () => {
  it('max_n 1 splits n=3 into three n=1 requests with seed+index', async () => {
    proxy.reset();
    const results = await runTask(engine(), 3, 21);
    expect(proxy.seen.map((r) => [r.fields.n, r.fields.seed, r.fields.size, r.fields.response_format, r.fields.model])).toEqual([
      ['1', '21', '1024x1024', 'b64_json', 'retouch-test'],
      ['1', '22', '1024x1024', 'b64_json', 'retouch-test'],
      ['1', '23', '1024x1024', 'b64_json', 'retouch-test'],
    ]);
    expect(proxy.seen[0]!.files).toEqual([{ field: 'image[]', name: 'image-1.png', type: 'image/png', bytes: input.length }]);
    expect(proxy.seen[0]!.authorization).toBe(`Bearer ${TEST_KEY}`);
    for (const [i, r] of results.entries()) {
      const meta = await sharp(r.png).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['png', 1024, 1024]);
      expect(await pixel(r.png)).toEqual(colourOf(21 + i));
    }
  });

  it('max_n 4 asks once with n=3 and hands out the three images in order', async () => {
    proxy.reset();
    const results = await runTask(engine({ max_n: 4 }), 3, 21);
    expect(proxy.seen.map((r) => [r.fields.n, r.fields.seed])).toEqual([['3', '21']]);
    expect(await Promise.all(results.map((r) => pixel(r.png)))).toEqual([colourOf(21), colourOf(22), colourOf(23)]);
  });

  it('url replies are downloaded; several inputs go as several image[] parts', async () => {
    proxy.reset();
    const second = await testImage(400, 400, 'jpeg');
    const e = engine({ response_format: 'url' });
    const r = await e.edit({
      images: [input, second],
      prompt: 'paint',
      negativePrompt: 'dull',
      index: 0,
      count: 1,
      seed: 3,
      size: { width: 1280, height: 720 },
      promptExtend: true,
      watermark: false,
      signal: new AbortController().signal,
    });
    expect(proxy.seen[0]!.fields.response_format).toBe('url');
    expect(proxy.seen[0]!.fields.negative_prompt).toBe('dull');
    expect(proxy.seen[0]!.files.map((f) => [f.field, f.type])).toEqual([
      ['image[]', 'image/png'],
      ['image[]', 'image/jpeg'],
    ]);
    const meta = await sharp(r.png).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 1280, 720]);
    expect(await pixel(r.png)).toEqual(colourOf(3));
    // revised_prompt comes back as the actual prompt when prompt_extend is on.
    expect(r.actualPrompt).toBe('Test engine output for: paint');
  });

  it('an upstream limited to listed sizes is asked the closest one; the answer is fitted to the task size', async () => {
    proxy.reset();
    const [r] = await runTask(engine({ sizes: ['1024x1024', '1536x1024', '1024x1536'], send_seed: false, image_field: 'image' }), 1, 0, {
      size: { width: 1280, height: 720 },
    });
    expect(proxy.seen[0]!.fields.size).toBe('1536x1024');
    expect(proxy.seen[0]!.fields.seed).toBeUndefined();
    expect(proxy.seen[0]!.files[0]!.field).toBe('image');
    const meta = await sharp(r!.png).metadata();
    expect([meta.width, meta.height]).toEqual([1280, 720]);
  });

  it('without a task size, the size asked comes from the first input header, also for one sharp cannot open (the model judges it)', async () => {
    proxy.reset();
    // Bytes sharp will not open (a JPEG whose DQT names a table that cannot exist; intake's
    // structure check passes it): reading the size must not start a decoder in the engine (that
    // failed with libjpeg's raw error, an internal error for the task). The size comes from the
    // header and the model judges the bytes (this upstream's test engine makes its flat image).
    const [r] = await runTask(engine(), 1, 4, { images: [await bogusDqtJpeg(600, 400)], size: undefined });
    const want = defaultOutputSize(600, 400);
    expect(proxy.seen[0]!.fields.size).toBe(`${want.width}x${want.height}`);
    const meta = await sharp(r!.png).metadata();
    expect([meta.width, meta.height]).toEqual([want.width, want.height]);
  });

  it('pass-through fields are sent as they are', async () => {
    proxy.reset();
    await runTask(engine({ extra: { num_inference_steps: 40, true_cfg_scale: 4, quality: 'high' } }), 1, 1);
    expect(proxy.seen[0]!.fields).toMatchObject({ num_inference_steps: '40', true_cfg_scale: '4', quality: 'high' });
  });
});

describe('upstream errors', () => {
  it('an image the upstream fails is Upstream.Failed with its message', async () => {
    const err = await editError(runTask(engine(), 1, 0, { prompt: 'fail=0' }));
    expect(err.code).toBe('Upstream.Failed');
    expect(err.message).toMatch(/answered 500: Image 0 failed as requested.*code InternalError\.Algo/);
  });

  it('a wrong key is Upstream.AuthFailed; an unknown model is Upstream.InvalidRequest', async () => {
    expect((await editError(runTask(engine({}, 'sk-wrong'), 1, 0))).code).toBe('Upstream.AuthFailed');
    const unknown = await editError(runTask(engine({ model: 'no-such-model' }), 1, 0));
    expect(unknown.code).toBe('Upstream.InvalidRequest');
    expect(unknown.message).toMatch(/404.*no-such-model.*model_not_found/);
  });

  it('nothing listening is Upstream.Unavailable; a slow upstream past the timeout is Upstream.Timeout', async () => {
    const closed = await startCountingProxy(upstream.url);
    const url = closed.url;
    await closed.close();
    const down = createOpenAiEngine({ base_url: url, model: 'retouch-test' }, { apiKey: TEST_KEY, log });
    expect((await editError(runTask(down, 1, 0))).code).toBe('Upstream.Unavailable');
    expect((await editError(runTask(engine({}, TEST_KEY, 1, 1000), 1, 0, { prompt: 'sleep=5000' }))).code).toBe('Upstream.Timeout');
  });

  it('429s are retried after Retry-After; with no retries left they are Upstream.Throttled', async () => {
    const limited = await spawnUpstream({ RETOUCH_RATE_LIMIT_SUBMIT: '1' });
    const limitedProxy = await startCountingProxy(limited.url);
    try {
      const patient = createOpenAiEngine({ base_url: limitedProxy.url, model: 'retouch-test', retries: 3 }, { apiKey: TEST_KEY, log, concurrency: 3 });
      const results = await Promise.all([1, 2, 3].map((s) => runTask(patient, 1, s)));
      expect(await Promise.all(results.map(([r]) => pixel(r!.png)))).toEqual([colourOf(1), colourOf(2), colourOf(3)]);
      const statuses = limitedProxy.seen.map((r) => r.status);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(2);
      expect(statuses.filter((s) => s === 200)).toHaveLength(3);

      // Right after a success the 1/s bucket is empty: a client without retries is refused.
      await runTask(patient, 1, 9);
      const impatient = createOpenAiEngine({ base_url: limitedProxy.url, model: 'retouch-test', retries: 0 }, { apiKey: TEST_KEY, log });
      const err = await editError(runTask(impatient, 1, 1));
      expect(err.code).toBe('Upstream.Throttled');
      expect(err.message).toMatch(/answered 429: Requests rate limit exceeded.*code rate_limit_exceeded/);
    } finally {
      await limitedProxy.close();
    }
  });
});

describe('concurrency and cancel', () => {
  it('never has more than `concurrency` requests in flight at the upstream', async () => {
    proxy.reset();
    const e = engine({}, TEST_KEY, 2);
    const results = await Promise.all([0, 1, 2, 3, 4, 5].map((s) => runTask(e, 1, s, { prompt: 'sleep=300' })));
    expect(results).toHaveLength(6);
    expect(proxy.seen).toHaveLength(6);
    expect(proxy.maxInFlight()).toBe(2);
  });

  it('an abort rejects with the signal reason and releases the slot', async () => {
    const e = engine({}, TEST_KEY, 1);
    const abort = new AbortController();
    const reason = new Error('task canceled');
    const slow = e.edit({
      images: [input],
      prompt: 'sleep=3000',
      negativePrompt: '',
      index: 0,
      count: 1,
      seed: 0,
      size: undefined,
      promptExtend: false,
      watermark: false,
      signal: abort.signal,
    });
    setTimeout(() => abort.abort(reason), 200);
    await expect(slow).rejects.toBe(reason);
    // The only slot is free again: the next edit goes through (default size for a 4:3 input).
    const [r] = await runTask(e, 1, 5, { size: undefined });
    const meta = await sharp(r!.png).metadata();
    expect([meta.width, meta.height]).toEqual([1472, 1104]);
  });
});
