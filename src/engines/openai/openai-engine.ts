/**
 * The `openai` engine: each output image is made by an OpenAI-style upstream through a multipart
 * `POST {baseUrl}/v1/images/edits` (one image part per input, prompt, n, size, response_format,
 * model, seed, negative_prompt and the route's pass-through fields).
 *
 * n: the worker calls `edit` once per output index. With `max_n` 1 (the default) every call is
 * one request with n=1 and the call's seed (task seed + index), so outputs are reproducible one
 * by one. With `maxN` > 1 the first call of a task asks for min(max_n, remaining) images at once
 * and the following calls of the same task run take theirs from that answer (the worker hands
 * the same `images` array to every call of one run, which keys the batch).
 *
 * At most `concurrency` requests of the route are in flight at once (one semaphore per engine,
 * i.e. per route); 429/502/503/504 answers are retried within `retries`, honouring Retry-After.
 */
import type { Size } from '@retouch/sdk/protocol';
import type { EditRequest, EditResult, Engine } from '../engine.js';
import type { UpstreamContext } from '../upstream-kit/context.js';
import { upstreamError, UpstreamCodes } from '../upstream-kit/errors.js';
import { pause, retryAfterMs, upstreamFetch, type UpstreamReply } from '../upstream-kit/http.js';
import { normalizeOutput, sniffImage, wantedSize } from '../upstream-kit/output.js';
import { createSemaphore } from '../upstream-kit/semaphore.js';
import { openAiOptionsSchema, type OpenAiOptions, type OpenAiOptionsInput } from './options.js';
import { errorFor, readImages, type ReplyImage } from './reply.js';

const RETRIED = new Set([429, 502, 503, 504]);
const MAX_RETRY_WAIT_MS = 30_000;
/** Per upstream request, from when it gets its concurrency slot (includes downloading a `url` reply). */
export const DEFAULT_TIMEOUT_MS = 300_000;

interface Batch {
  readonly start: number;
  readonly images: Promise<{ bytes: Buffer; revisedPrompt?: string }[]>;
}

/** The listed size closest in aspect ratio to the wanted one (ties: more pixels). */
export function pickSize(wanted: Size, sizes: readonly string[] | undefined): string {
  if (!sizes) return `${wanted.width}x${wanted.height}`;
  const aspect = Math.log(wanted.width / wanted.height);
  const scored = sizes.map((s) => {
    const [w, h] = s.split('x').map(Number) as [number, number];
    return { s, d: Math.abs(Math.log(w / h) - aspect), px: w * h };
  });
  scored.sort((a, b) => a.d - b.d || b.px - a.px);
  return scored[0]!.s;
}

export function createOpenAiEngine(input: OpenAiOptionsInput | OpenAiOptions, ctx: UpstreamContext): Engine {
  const options = openAiOptionsSchema.parse(input);
  const base = options.base_url.replace(/\/+$/, '').replace(/\/v1$/, '');
  const endpoint = base + options.path;
  const who = `The upstream ${ctx.route ? `of route ${ctx.route} ` : ''}(${new URL(base).host})`;
  // The route's `timeout` and `concurrency` (0 or absent: the defaults).
  const timeoutMs = ctx.timeoutMs || DEFAULT_TIMEOUT_MS;
  const maxBytes = Math.round(options.max_reply_mb * 1048576);
  const slots = createSemaphore(ctx.concurrency || 1);
  const batches = new WeakMap<readonly Buffer[], Batch>();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (ctx.apiKey) headers.authorization = `Bearer ${ctx.apiKey}`;

  function form(request: EditRequest, n: number, size: string): FormData {
    const body = new FormData();
    request.images.forEach((bytes, i) => {
      const { ext, mime } = sniffImage(bytes);
      body.append(options.image_field, new Blob([new Uint8Array(bytes)], { type: mime }), `image-${i + 1}.${ext}`);
    });
    body.append('prompt', request.prompt);
    body.append('n', String(n));
    body.append('size', size);
    if (options.response_format !== 'none') body.append('response_format', options.response_format);
    if (options.model) body.append('model', options.model);
    if (options.send_seed) body.append('seed', String(request.seed));
    if (options.send_negative_prompt && request.negativePrompt.trim() !== '') body.append('negative_prompt', request.negativePrompt);
    for (const [key, value] of Object.entries(options.extra)) body.append(key, String(value));
    return body;
  }

  /** One POST, retried on 429/5xx-unavailable; each attempt holds a concurrency slot only while it is in flight. */
  async function post(body: FormData, signal: AbortSignal): Promise<{ reply: UpstreamReply; deadline: number }> {
    for (let attempt = 0; ; attempt++) {
      const release = await slots.acquire(signal);
      const deadline = Date.now() + timeoutMs;
      let reply: UpstreamReply;
      try {
        reply = await upstreamFetch(endpoint, { method: 'POST', headers, body }, { signal, deadline, maxBytes, what: who });
      } finally {
        release();
      }
      if (reply.status >= 200 && reply.status < 300) return { reply, deadline };
      if (!RETRIED.has(reply.status) || attempt >= options.retries) throw errorFor(reply, who);
      const wait = Math.min(MAX_RETRY_WAIT_MS, retryAfterMs(reply.headers) ?? 1000 * 2 ** attempt);
      ctx.log.warn({ route: ctx.route, status: reply.status, attempt: attempt + 1, waitMs: wait }, 'upstream busy, retrying');
      await pause(wait, signal);
    }
  }

  async function bytesOf(image: ReplyImage, signal: AbortSignal, deadline: number): Promise<Buffer> {
    if (image.b64) {
      const bytes = Buffer.from(image.b64, 'base64');
      if (bytes.length === 0) throw upstreamError(UpstreamCodes.badResponse, `${who} sent an empty b64_json image.`);
      return bytes;
    }
    if (!image.url) throw upstreamError(UpstreamCodes.badResponse, `${who} sent an image with neither b64_json nor url.`);
    // URLs come from the upstream the operator configured, so they are fetched directly (no
    // SSRF guard: a GPU box on the LAN is the normal case), bounded in size and time.
    const url = new URL(image.url, base + '/');
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw upstreamError(UpstreamCodes.badResponse, `${who} sent an image URL that is not http(s).`);
    }
    const reply = await upstreamFetch(
      url.href,
      { headers: url.origin === new URL(base).origin ? headers : {} },
      { signal, deadline, maxBytes, what: `${who}'s image URL` },
    );
    if (reply.status !== 200) throw upstreamError(UpstreamCodes.badResponse, `${who}'s image URL answered ${reply.status}.`);
    return reply.body;
  }

  /** Asks for `n` images; resolves with as many as the upstream returned (at least one). */
  async function request(req: EditRequest, n: number, size: Size): Promise<{ bytes: Buffer; revisedPrompt?: string }[]> {
    const asked = pickSize(size, options.sizes);
    const { reply, deadline } = await post(form(req, n, asked), req.signal);
    const images = readImages(reply, who).slice(0, n);
    return Promise.all(
      images.map(async (image) => ({
        bytes: await normalizeOutput(await bytesOf(image, req.signal, deadline), size, req.watermark, `An image from ${who}`),
        revisedPrompt: image.revisedPrompt,
      })),
    );
  }

  async function fromBatch(req: EditRequest, size: Size): Promise<{ bytes: Buffer; revisedPrompt?: string }> {
    const remaining = (req.count ?? req.index + 1) - req.index;
    const known = batches.get(req.images);
    if (known && req.index > known.start) {
      // A failed or short batch is not reused: this index gets a request of its own.
      const got = await known.images.catch(() => undefined);
      const mine = got?.[req.index - known.start];
      if (mine) return mine;
    }
    const batch: Batch = { start: req.index, images: request(req, Math.min(options.max_n, remaining), size) };
    batches.set(req.images, batch);
    const first = (await batch.images)[0];
    if (!first) throw upstreamError(UpstreamCodes.badResponse, `${who} returned no image.`);
    return first;
  }

  return {
    name: 'openai',
    async edit(req: EditRequest): Promise<EditResult> {
      req.signal.throwIfAborted();
      const size = wantedSize(req.size, req.images[0]!);
      const out = options.max_n > 1 ? await fromBatch(req, size) : (await request(req, 1, size))[0]!;
      req.signal.throwIfAborted();
      return req.promptExtend && out.revisedPrompt !== undefined ? { png: out.bytes, actualPrompt: out.revisedPrompt } : { png: out.bytes };
    },
  };
}
