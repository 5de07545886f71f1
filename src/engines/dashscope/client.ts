/**
 * HTTP client of the DashScope asynchronous task API, as documented for Wan 2.5 image editing
 * (and as retouch itself serves it): create `POST {base}/services/aigc/image2image/image-synthesis`
 * with `X-DashScope-Async: enable`, query `GET {base}/tasks/{id}`, cancel
 * `POST {base}/tasks/{id}/cancel`. `base` is e.g. `https://dashscope-intl.aliyuncs.com/api/v1`.
 *
 * One call = one HTTP request; retrying is the caller's choice (engine.ts for creates, the
 * scheduler's next poll for queries). Each answer is classified as ok, transient (network,
 * timeout, 429, 5xx: worth retrying, with the Retry-After the upstream gave) or final.
 */
import type { Secret } from '../routes/secret.js';

export interface DashScopeReply {
  readonly kind: 'ok' | 'transient' | 'final';
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly retryAfterMs: number | undefined;
  /** For logs: what went wrong (never the key). */
  readonly reason: string;
}

export interface DashScopeClient {
  create(body: object, idempotencyKey: string): Promise<DashScopeReply>;
  get(taskId: string): Promise<DashScopeReply>;
  cancel(taskId: string): Promise<DashScopeReply>;
}

const REQUEST_TIMEOUT_MS = 30_000;

/** Retry-After: delta-seconds or an HTTP date. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function createDashScopeClient(options: { baseUrl: string; apiKey: Secret | undefined }): DashScopeClient {
  async function call(method: 'GET' | 'POST', path: string, body?: object, extra: Record<string, string> = {}): Promise<DashScopeReply> {
    const headers: Record<string, string> = { accept: 'application/json', ...extra };
    if (options.apiKey) headers.authorization = `Bearer ${options.apiKey.reveal()}`;
    if (body) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${options.baseUrl}${path}`, {
        method,
        headers,
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      return { kind: 'transient', status: 0, body: {}, retryAfterMs: undefined, reason: `${method} ${path}: ${cause}` };
    }
    let parsed: Record<string, unknown> = {};
    try {
      const value: unknown = await response.json();
      if (value && typeof value === 'object') parsed = value as Record<string, unknown>;
    } catch {
      // Not JSON (a proxy's error page): classified by status alone.
    }
    const status = response.status;
    const transient = status === 429 || status >= 500;
    return {
      kind: response.ok ? 'ok' : transient ? 'transient' : 'final',
      status,
      body: parsed,
      retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
      reason: `${method} ${path}: HTTP ${status}${typeof parsed.code === 'string' ? ` ${parsed.code}` : ''}`,
    };
  }

  return {
    create: (body, idempotencyKey) =>
      call('POST', '/services/aigc/image2image/image-synthesis', body, { 'x-dashscope-async': 'enable', 'idempotency-key': idempotencyKey }),
    get: (taskId) => call('GET', `/tasks/${encodeURIComponent(taskId)}`),
    cancel: (taskId) => call('POST', `/tasks/${encodeURIComponent(taskId)}/cancel`),
  };
}
