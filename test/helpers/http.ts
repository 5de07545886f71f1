/** Small HTTP helpers for the protocol, over real fetch. */
import sharp from 'sharp';
import { expect } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';

export const CREATE_PATH = '/api/v1/services/aigc/image2image/image-synthesis';

export interface JsonResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** The body as JSON when it is JSON, else the text itself. */
function parseMaybeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function call<T = any>(
  url: string,
  init: { method?: string; key?: string | null; headers?: Record<string, string>; body?: unknown } = {},
): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.key) headers.Authorization = `Bearer ${init.key}`;
  let body: string | undefined;
  if (init.body !== undefined) {
    body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
    headers['Content-Type'] ??= 'application/json';
  }
  const res = await fetch(url, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
  const text = await res.text();
  const parsed = parseMaybeJson(text);
  return { status: res.status, headers: res.headers, body: parsed as T };
}

export async function createTask(base: string, key: string, body: unknown, headers: Record<string, string> = {}) {
  return call(base + CREATE_PATH, { key, body, headers: { 'X-DashScope-Async': 'enable', ...headers } });
}

export async function getTask(base: string, key: string, id: string) {
  return call(`${base}/api/v1/tasks/${id}`, { key });
}

/** Polls until the task reaches one of `statuses` (default: any terminal one). */
export async function waitForStatus(
  base: string,
  key: string,
  id: string,
  statuses: string[] = ['SUCCEEDED', 'FAILED', 'CANCELED', 'UNKNOWN'],
  timeoutMs = 30_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await getTask(base, key, id);
    if (statuses.includes(res.body?.output?.task_status)) return res;
    if (Date.now() > deadline) throw new Error(`task ${id} still ${res.body?.output?.task_status} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** A PNG data URI of a test image: a horizontal gradient with a coloured block in the top-left. */
export async function imageDataUri(width = 512, height = 384, format: 'png' | 'jpeg' | 'webp' = 'png'): Promise<string> {
  const bytes = await testImage(width, height, format);
  return `data:image/${format};base64,${bytes.toString('base64')}`;
}

export async function testImage(width = 512, height = 384, format: 'png' | 'jpeg' | 'webp' = 'png'): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      const block = x < width / 4 && y < height / 4;
      raw[o] = block ? 230 : Math.round((x / width) * 255);
      raw[o + 1] = block ? 30 : Math.round((y / height) * 255);
      raw[o + 2] = block ? 40 : 128;
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .toFormat(format)
    .toBuffer();
}

export function createBody(images: string[], prompt: string, parameters: Record<string, unknown> = {}, model = 'retouch-test') {
  return { model, input: { prompt, images }, parameters };
}

// ---------------------------------------------------------------------------------------------
// Protocol test helpers (test/e2e/protocol-*.test.ts).

/** 8-4-4-4-12 hex, as DashScope task and request ids. */
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** `YYYY-MM-DD HH:mm:ss.SSS` (UTC+8) of task times. */
export const TASK_TIME_RE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/;
const BEIJING_MS = 8 * 3_600_000;

/** "2025-09-23 22:14:10.800" read as Beijing time → epoch ms (independent of packages/sdk/src/protocol/time). */
export function beijingToEpoch(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{3})$/.exec(text);
  if (!m) throw new Error(`not a task time: ${text}`);
  const [y, mo, d, h, mi, s, ms] = m.slice(1).map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s, ms) - BEIJING_MS;
}

/** epoch ms → "YYYYMMDDhhmmss" in Beijing time, as the list API's start_time/end_time. */
export function listTime(epochMs: number): string {
  const d = new Date(epochMs + BEIJING_MS);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

/** A request with full control: no default Content-Type, any method, string or Buffer body. */
export async function rawRequest(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<JsonResponse & { text: string }> {
  const res = await fetch(url, { method: init.method ?? 'GET', headers: init.headers, body: init.body as BodyInit | undefined });
  const text = await res.text();
  const parsed = parseMaybeJson(text);
  return { status: res.status, headers: res.headers, body: parsed, text };
}

export async function listTasks(base: string, key: string, query: Record<string, string | number> = {}, path = '/api/v1/tasks') {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
  return call(`${base}${path}${qs ? `?${qs}` : ''}`, { key });
}

/** The Python sync SDK's cancel: POST, no body, no Content-Type. */
export async function cancelTask(base: string, key: string, id: string, headers: Record<string, string> = {}) {
  return rawRequest(`${base}/api/v1/tasks/${id}/cancel`, { method: 'POST', headers: { Authorization: `Bearer ${key}`, ...headers } });
}

/** Polls `probe` until `done` holds for its value. */
export async function pollUntil<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what} not reached after ${timeoutMs} ms: ${JSON.stringify(value)?.slice(0, 500)}`);
    await sleep(40);
  }
}

export async function download(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  const bytes = Buffer.from(await res.arrayBuffer());
  let json: any;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, bytes, json };
}

export function dataUri(bytes: Buffer, mime: string): string {
  return `data:${mime};base64,${bytes.toString('base64')}`;
}

/** A 24-bit bottom-up BI_RGB BMP (BITMAPINFOHEADER) with a gradient, encoded by hand. */
export function bmpImage(width: number, height: number): Buffer {
  const stride = Math.ceil((width * 3) / 4) * 4;
  const dataSize = stride * height;
  const buf = Buffer.alloc(54 + dataSize);
  buf.write('BM', 0, 'latin1');
  buf.writeUInt32LE(54 + dataSize, 2);
  buf.writeUInt32LE(54, 10);
  buf.writeUInt32LE(40, 14);
  buf.writeInt32LE(width, 18);
  buf.writeInt32LE(height, 22);
  buf.writeUInt16LE(1, 26);
  buf.writeUInt16LE(24, 28);
  buf.writeUInt32LE(0, 30);
  buf.writeUInt32LE(dataSize, 34);
  buf.writeInt32LE(2835, 38);
  buf.writeInt32LE(2835, 42);
  for (let row = 0; row < height; row++) {
    const y = height - 1 - row; // bottom-up
    for (let x = 0; x < width; x++) {
      const o = 54 + row * stride + x * 3;
      buf[o] = 128; // B
      buf[o + 1] = Math.round((y / height) * 255); // G
      buf[o + 2] = Math.round((x / width) * 255); // R
    }
  }
  return buf;
}

/**
 * Streams `totalBytes` of JSON-ish filler to `url` without holding it in memory (1 MB chunk
 * reused), stopping as soon as the server answers. `declareLength` sends Content-Length up
 * front; otherwise the body is chunked.
 */
export async function streamHugeBody(
  url: string,
  headers: Record<string, string>,
  totalBytes: number,
  declareLength: boolean,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: any }> {
  const { request } = await import('node:http');
  const chunk = Buffer.alloc(1024 * 1024, 0x61);
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: { ...headers, ...(declareLength ? { 'Content-Length': String(totalBytes) } : { 'Transfer-Encoding': 'chunked' }) },
    });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          /* keep text */
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
      res.on('error', reject);
    });
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    let sent = 0;
    const pump = () => {
      while (!answered && sent < totalBytes) {
        const n = Math.min(chunk.length, totalBytes - sent);
        sent += n;
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
          req.once('drain', pump);
          return;
        }
      }
      if (!answered) req.end();
    };
    req.write('{"model":"retouch-test","input":{"prompt":"');
    sent += 44;
    pump();
  });
}

/**
 * Asserts a DashScope error: the status, `{request_id, code, message}` with a JSON content type,
 * a UUID request id equal to the x-request-id header, and no stack trace or file path in the message.
 */
export function expectError(res: JsonResponse, status: number, code: string | RegExp | string[], message?: string | RegExp): void {
  const context = JSON.stringify(res.body)?.slice(0, 400);
  expect(res.status, context).toBe(status);
  expect(res.headers.get('content-type') ?? '', context).toMatch(/^application\/json/);
  const body = res.body as Record<string, unknown>;
  expect(typeof body, context).toBe('object');
  expect(Object.keys(body).sort(), context).toEqual(['code', 'message', 'request_id']);
  expect(body.request_id).toMatch(UUID_RE);
  expect(res.headers.get('x-request-id')).toBe(body.request_id);
  if (Array.isArray(code)) expect(code, context).toContain(body.code);
  else if (code instanceof RegExp) expect(body.code, context).toMatch(code);
  else expect(body.code, context).toBe(code);
  expect(typeof body.message).toBe('string');
  expect((body.message as string).length).toBeGreaterThan(0);
  if (typeof message === 'string') expect(body.message).toBe(message);
  else if (message) expect(body.message).toMatch(message);
  expectNoLeak(body.message as string);
}

/** A message meant for clients: no stack frames, source paths or internal error class names. */
export function expectNoLeak(message: string): void {
  expect(message).not.toMatch(/\n\s+at /);
  expect(message).not.toMatch(/\.(ts|js|mjs|cjs):\d+/);
  expect(message).not.toMatch(/\/(work|home|tmp|usr|src|node_modules)\//);
  expect(message).not.toMatch(/Sqlite|TypeError|ReferenceError|ENOENT|EACCES/);
}

/** Protocol suites poll and submit faster than DashScope's 5/20 RPS: switch the limiter off. */
export const NO_RATE_LIMITS = { RETOUCH_RATE_LIMIT_SUBMIT: '0', RETOUCH_RATE_LIMIT_QUERY: '0' } as const;
