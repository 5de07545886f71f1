/**
 * Errors the SDK throws. Every failure that reached an HTTP answer (or failed on the way) is a
 * `DashScopeError` carrying DashScope's `code`, `message`, `request_id` and the HTTP status;
 * aborting through an `AbortSignal` rejects with the signal's reason instead, as `fetch` does.
 */

/**
 * An error answered by the server (or a transport failure, with `status` 0).
 *
 * @example
 * ```ts
 * try {
 *   await client.createTask({ prompt: 'make it brighter', images: ['https://…/a.jpg'] });
 * } catch (err) {
 *   if (err instanceof DashScopeError && err.code === 'InvalidApiKey') console.error('check DASHSCOPE_API_KEY');
 *   else throw err;
 * }
 * ```
 */
export class DashScopeError extends Error {
  /** DashScope's error code, e.g. `InvalidParameter`, `Throttling.RateQuota`; `NetworkError` when no answer came. */
  readonly code: string;
  /** The server's request id, when it sent one (body `request_id` or header `x-request-id`). */
  readonly requestId: string | undefined;
  /** HTTP status; 0 for network failures, 408 for `WaitTaskTimeout` (a wait deadline passed). */
  readonly status: number;
  /** Delay the server asked for (`Retry-After`), in milliseconds. */
  readonly retryAfterMs: number | undefined;

  constructor(init: { code: string; message: string; status: number; requestId?: string; retryAfterMs?: number; cause?: unknown }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'DashScopeError';
    this.code = init.code;
    this.status = init.status;
    this.requestId = init.requestId;
    this.retryAfterMs = init.retryAfterMs;
  }

  /** Throttling (429), server errors (5xx) and network failures are worth retrying later. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

/** Codes used by the SDK itself (never sent by a server). */
export const SdkErrorCodes = {
  network: 'NetworkError',
  waitTimeout: 'WaitTaskTimeout',
  badResponse: 'InvalidResponse',
  input: 'InvalidInput',
  download: 'DownloadFailed',
  upload: 'UploadFailed',
} as const;
