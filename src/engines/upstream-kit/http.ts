/**
 * HTTP to an upstream with the limits every upstream call needs: a deadline, the task's abort
 * signal, and a cap on the bytes read (a misbehaving upstream cannot fill memory). Failures
 * become EditErrors with upstream codes; an abort by the caller rejects with `signal.reason`,
 * as the Engine port requires.
 */
import { clip, upstreamError, UpstreamCodes } from './errors.js';

export interface UpstreamReply {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Buffer;
}

export interface CallLimits {
  /** The task's signal (cancel, shutdown, task deadline). */
  readonly signal: AbortSignal;
  /** Epoch ms by which the whole call must be done. */
  readonly deadline: number;
  readonly maxBytes: number;
  /** What is being fetched, for messages: "ComfyUI upload", "the edited image". */
  readonly what: string;
}

function networkCode(err: unknown): string {
  const cause = (err as { cause?: { code?: string } }).cause;
  return cause?.code ?? (err as { code?: string }).code ?? (err instanceof Error ? err.message : 'error');
}

/** fetch() within the limits; the body is read completely (bounded) before it returns. */
export async function upstreamFetch(url: string, init: RequestInit, limits: CallLimits): Promise<UpstreamReply> {
  limits.signal.throwIfAborted();
  const remaining = limits.deadline - Date.now();
  if (remaining <= 0) throw upstreamError(UpstreamCodes.timeout, `${limits.what}: the upstream did not answer in time.`);
  const timer = AbortSignal.timeout(remaining);
  const signal = AbortSignal.any([limits.signal, timer]);
  try {
    const res = await fetch(url, { ...init, signal });
    const body = await readBounded(res, limits.maxBytes, limits.what);
    return { status: res.status, headers: res.headers, body };
  } catch (err) {
    if (limits.signal.aborted) throw limits.signal.reason;
    if (timer.aborted) throw upstreamError(UpstreamCodes.timeout, `${limits.what}: the upstream did not answer in time.`);
    if ((err as { name?: string }).name === 'EditError') throw err;
    throw upstreamError(UpstreamCodes.unavailable, `${limits.what}: cannot reach ${new URL(url).origin} (${clip(networkCode(err), 80)}).`);
  }
}

async function readBounded(res: Response, maxBytes: number, what: string): Promise<Buffer> {
  const tooLarge = () => upstreamError(UpstreamCodes.badResponse, `${what}: the upstream's answer exceeds ${Math.round(maxBytes / 1048576)} MB.`);
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!res.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      await res.body.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  return Buffer.concat(chunks, total);
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Parses a JSON body, or undefined when it is not JSON. */
export function jsonOf(reply: UpstreamReply): unknown {
  try {
    return JSON.parse(reply.body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Waits `ms` unless the signal aborts first (then rejects with its reason). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
