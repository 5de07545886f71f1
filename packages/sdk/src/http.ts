/**
 * The SDK's transport: one fetch per attempt, DashScope error bodies turned into
 * `DashScopeError`, and bounded retries with exponential backoff and full jitter that honour
 * `Retry-After`.
 */
import { DashScopeError, SdkErrorCodes } from './errors.js';

export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

export interface RetryPolicy {
  /** Retries after the first attempt (default 3). 0 disables retrying. */
  readonly maxRetries: number;
  /** First backoff delay in ms (default 500); doubles per retry. */
  readonly baseDelayMs: number;
  /** Cap of one backoff delay, and of a `Retry-After` the SDK is willing to honour (default 30 000). */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 3, baseDelayMs: 500, maxDelayMs: 30_000 };

/** Parses `Retry-After` (delta-seconds or an HTTP date) into milliseconds from `now`. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Exponential backoff with full jitter: a random delay in [base·2^attempt / 2, base·2^attempt], capped. */
export function backoffDelay(attempt: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, random = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Sleeps `ms`, rejecting with the signal's reason once it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Reads a non-2xx answer into a DashScopeError (JSON bodies and OSS's XML error bodies). */
export async function errorFromResponse(res: Response): Promise<DashScopeError> {
  const text = await res.text().catch(() => '');
  const type = res.headers.get('content-type') ?? '';
  let code: string | undefined;
  let message: string | undefined;
  let requestId = res.headers.get('x-request-id') ?? undefined;
  if (type.includes('json') || /^\s*\{/.test(text)) {
    try {
      const body = JSON.parse(text) as Record<string, unknown>;
      if (typeof body.code === 'string') code = body.code;
      if (typeof body.message === 'string') message = body.message;
      else if (typeof body.msg === 'string') message = body.msg;
      if (typeof body.request_id === 'string') requestId = body.request_id;
    } catch {
      // not JSON after all: fall through to the raw text
    }
  } else if (text.includes('<Code>')) {
    code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
    message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
    requestId = /<RequestId>([^<]*)<\/RequestId>/.exec(text)?.[1] ?? requestId;
  }
  // An HTML page (a proxy's or another web server's): the base URL is likely wrong; the page
  // itself would only bury that.
  const html = code === undefined && message === undefined && (type.includes('html') || /^\s*<(!doctype|html)/i.test(text));
  if (html) message = `HTTP ${res.status} from ${res.url || 'the server'}: an HTML page, not an API answer; is the base URL that of retouch or DashScope?`;
  return new DashScopeError({
    code: code ?? (res.status === 429 ? 'Throttling' : 'Unknown'),
    message: message ?? (text.slice(0, 500) || `HTTP ${res.status}`),
    status: res.status,
    requestId,
    retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
  });
}

export interface SendOptions {
  readonly fetch: FetchLike;
  readonly retry: RetryPolicy;
  readonly signal?: AbortSignal;
  /**
   * Which failures may be retried. Default: any `retryable` error (429, 5xx, network). Task
   * creation narrows this so that a task is never submitted twice.
   */
  readonly shouldRetry?: (error: DashScopeError) => boolean;
  /** Sees every HTTP answer (2xx or not) before it is read, e.g. to learn what the server supports. */
  readonly onResponse?: (res: Response) => void;
  /** Called before each retry sleep (for logging or progress). */
  readonly onRetry?: (error: DashScopeError, delayMs: number, attempt: number) => void;
}

/**
 * Sends a request built by `makeInit` (called per attempt, so bodies can be rebuilt) and returns
 * the first 2xx response. Errors are thrown as DashScopeError; an abort rejects with the reason.
 */
export async function send(url: string, makeInit: () => RequestInit, options: SendOptions): Promise<Response> {
  const shouldRetry = options.shouldRetry ?? ((e: DashScopeError) => e.retryable);
  for (let attempt = 0; ; attempt++) {
    options.signal?.throwIfAborted();
    let error: DashScopeError;
    try {
      const res = await options.fetch(url, { ...makeInit(), signal: options.signal });
      options.onResponse?.(res);
      if (res.ok) return res;
      error = await errorFromResponse(res);
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (err instanceof DashScopeError) throw err;
      error = new DashScopeError({
        code: SdkErrorCodes.network,
        message: `Request to ${url} failed: ${(err as Error).message}${(err as { cause?: Error }).cause ? ` (${(err as { cause: Error }).cause.message})` : ''}`,
        status: 0,
        cause: err,
      });
    }
    if (attempt >= options.retry.maxRetries || !shouldRetry(error)) throw error;
    if (error.retryAfterMs !== undefined && error.retryAfterMs > options.retry.maxDelayMs) throw error;
    const delay = Math.max(error.retryAfterMs ?? 0, backoffDelay(attempt, options.retry));
    options.onRetry?.(error, delay, attempt + 1);
    await sleep(delay, options.signal);
  }
}
