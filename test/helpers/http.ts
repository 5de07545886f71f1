/** Small HTTP helpers for the protocol, over real fetch. */
import sharp from 'sharp';
import { setTimeout as sleep } from 'node:timers/promises';

export const CREATE_PATH = '/api/v1/services/aigc/image2image/image-synthesis';

export interface JsonResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
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
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
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
  return sharp(raw, { raw: { width, height, channels: 3 } }).toFormat(format).toBuffer();
}

export function createBody(images: string[], prompt: string, parameters: Record<string, unknown> = {}, model = 'retouch-test') {
  return { model, input: { prompt, images }, parameters };
}
