/**
 * The `dashscope` UpstreamEngine: a task of a retouch route becomes ONE upstream DashScope task.
 * Inputs (whatever the client sent: URLs, data URIs, oss:// uploads) were resolved into
 * retouch's blob store at create time; they go upstream as base64 data URIs, which DashScope
 * accepts for `input.images`. The upstream's codes pass through unchanged (e.g.
 * `DataInspectionFailed`), except credential problems, which are the operator's, not the
 * client's: those become `InternalError.Upstream`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { TaskFailures } from '../../errors.js';
import { EditError } from '../engine.js';
import { backoffMs } from '../routes/backoff.js';
import { createRateWindow } from '../routes/rate-window.js';
import type { UpstreamEngine, UpstreamQuery, UpstreamResult, UpstreamStatus, UpstreamSubmission } from '../routes/upstream-engine.js';
import type { DashScopeClient, DashScopeReply } from './client.js';

export interface DashScopeEngineOptions {
  readonly client: DashScopeClient;
  /** The upstream's model name. */
  readonly model: string;
  readonly pollIntervalMs: number;
  readonly queryPerSecond: number;
  readonly submitPerSecond: number;
  /** Extra `parameters` sent with every task of the route. */
  readonly parameters: Readonly<Record<string, unknown>>;
  /** Attempts for a create before giving up on transient failures. */
  readonly submitAttempts?: number;
  /** Longest a result download may take. */
  readonly downloadTimeoutMs?: number;
  readonly maxDownloadBytes?: number;
}

const STATUSES: readonly UpstreamStatus[] = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELED', 'UNKNOWN'];
const AUTH_CODES = new Set(['InvalidApiKey', 'AccessDenied', 'Workspace.AccessDenied', 'AccessDenied.Unpurchased']);

const UPSTREAM_UNAVAILABLE = TaskFailures.upstreamUnavailable;

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

function finalError(reply: DashScopeReply): EditError {
  const code = str(reply.body.code);
  const message = str(reply.body.message);
  if (!code || AUTH_CODES.has(code) || reply.status === 401 || reply.status === 403) {
    return new EditError(UPSTREAM_UNAVAILABLE.code, UPSTREAM_UNAVAILABLE.message);
  }
  return EditError.fromUpstream(code, message ?? code);
}

function parseResults(output: Record<string, unknown>): UpstreamResult[] {
  const raw = Array.isArray(output.results) ? (output.results as unknown[]) : [];
  return raw.map((item) => {
    const r = (item && typeof item === 'object' ? item : {}) as Record<string, unknown>;
    const result: { url?: string; actualPrompt?: string; code?: string; message?: string } = {};
    if (str(r.url)) result.url = str(r.url);
    if (str(r.actual_prompt)) result.actualPrompt = str(r.actual_prompt);
    if (str(r.code)) result.code = str(r.code);
    if (str(r.message)) result.message = str(r.message);
    return result;
  });
}

export function createDashScopeEngine(options: DashScopeEngineOptions): UpstreamEngine {
  const submits = createRateWindow(options.submitPerSecond);
  const attempts = options.submitAttempts ?? 6;
  const maxBytes = options.maxDownloadBytes ?? 64 * 1024 * 1024;

  return {
    kind: 'upstream',
    name: 'dashscope',
    pollIntervalMs: options.pollIntervalMs,
    queryPerSecond: options.queryPerSecond,

    async submit(s: UpstreamSubmission) {
      const input: Record<string, unknown> = {
        prompt: s.prompt,
        images: s.images.map((image) => `data:${image.contentType};base64,${image.bytes.toString('base64')}`),
      };
      if (s.negativePrompt) input.negative_prompt = s.negativePrompt;
      const parameters: Record<string, unknown> = {
        ...options.parameters,
        n: s.n,
        seed: s.seed,
        prompt_extend: s.promptExtend,
        watermark: s.watermark,
      };
      if (s.size) parameters.size = `${s.size.width}*${s.size.height}`;
      const body = { model: options.model, input, parameters };
      let last: DashScopeReply | undefined;
      for (let attempt = 0; attempt < attempts; attempt++) {
        const ticket = await submits.take(s.signal);
        const reply = await options.client.create(body, s.idempotencyKey).finally(() => ticket.done(Date.now()));
        if (reply.kind === 'ok') {
          const id = str((reply.body.output as Record<string, unknown> | undefined)?.task_id);
          if (id) return id;
          throw new EditError(UPSTREAM_UNAVAILABLE.code, UPSTREAM_UNAVAILABLE.message);
        }
        if (reply.kind === 'final') throw finalError(reply);
        last = reply;
        const wait = reply.retryAfterMs ?? backoffMs(attempt);
        if (reply.status === 429 && reply.retryAfterMs !== undefined) submits.pauseUntil(Date.now() + reply.retryAfterMs);
        if (attempt < attempts - 1) await sleep(Math.min(wait, 60_000), undefined, { signal: s.signal });
      }
      const code = str(last?.body.code);
      // A 5xx with its own code (InternalError, …) passes through; a dead connection does not.
      throw code && last && last.status >= 500
        ? EditError.fromUpstream(code, str(last.body.message) ?? code)
        : new EditError(UPSTREAM_UNAVAILABLE.code, UPSTREAM_UNAVAILABLE.message);
    },

    async query(id): Promise<UpstreamQuery> {
      const reply = await options.client.get(id);
      if (reply.kind !== 'ok') {
        return { kind: 'retry', retryAfterMs: reply.retryAfterMs, throttled: reply.status === 429, reason: reply.reason };
      }
      const output = (reply.body.output ?? {}) as Record<string, unknown>;
      const status = STATUSES.find((s) => s === output.task_status);
      if (!status)
        return { kind: 'retry', retryAfterMs: undefined, throttled: false, reason: `GET task: unexpected task_status ${String(output.task_status)}` };
      const snapshot: { kind: 'snapshot'; status: UpstreamStatus; code?: string; message?: string; results: UpstreamResult[] } = {
        kind: 'snapshot',
        status,
        results: parseResults(output),
      };
      if (str(output.code)) snapshot.code = str(output.code);
      if (str(output.message)) snapshot.message = str(output.message);
      return snapshot;
    },

    async cancel(id) {
      const reply = await options.client.cancel(id);
      return reply.kind === 'ok';
    },

    async download(url, signal) {
      const response = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(options.downloadTimeoutMs ?? 60_000)]) });
      if (!response.ok) throw new Error(`download: HTTP ${response.status}`);
      const declared = Number(response.headers.get('content-length'));
      if (Number.isFinite(declared) && declared > maxBytes) throw new Error(`download: ${declared} bytes is over the limit`);
      const bytes = Buffer.from(await response.arrayBuffer());
      if (bytes.length > maxBytes) throw new Error(`download: ${bytes.length} bytes is over the limit`);
      return { bytes, contentType: response.headers.get('content-type')?.split(';')[0]?.trim() || 'image/png' };
    },
  };
}
