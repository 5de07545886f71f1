/**
 * The UpstreamEngine port: an asynchronous upstream task API (DashScope today). Unlike an
 * `Engine`, it is not called per image inside a worker slot: the worker calls `submit` once per
 * task and stores the returned id on the task row *before* anything waits on it; from then on
 * the upstream scheduler (src/worker/upstream-scheduler.ts) polls it with `query`, within the
 * route's query budget, and settles the task. A restart finds the stored id and resumes polling
 * the same upstream task: `submit` is never called twice for one task.
 *
 * Contract:
 * - `submit` retries transient failures (429, 5xx, connection errors) itself with bounded
 *   backoff and rejects with an `EditError` carrying the upstream's code (e.g.
 *   `DataInspectionFailed`) when the upstream refuses the task.
 * - `query` never throws for transient failures: it answers `{ kind: 'retry' }` (with the
 *   upstream's `Retry-After` when it gave one; `throttled` marks a 429, which pauses the whole
 *   route, since rate limits belong to the key).
 * - `download` fetches one result image (upstream URLs expire: the scheduler copies each one
 *   into retouch's blob store as soon as the task is done).
 */
import type { Size } from '@retouch/sdk/protocol';
import type { Secret } from './secret.js';

export interface UpstreamInput {
  readonly bytes: Buffer;
  /** e.g. image/png; inputs are sent as data URIs, which DashScope accepts. */
  readonly contentType: string;
}

export interface UpstreamSubmission {
  /** Stable per task (its id): sent as Idempotency-Key, so an upstream that honours it never makes two. */
  readonly idempotencyKey: string;
  readonly images: readonly UpstreamInput[];
  readonly prompt: string;
  readonly negativePrompt: string;
  readonly n: number;
  readonly size: Size | undefined;
  readonly seed: number;
  readonly promptExtend: boolean;
  readonly watermark: boolean;
  readonly signal: AbortSignal;
}

export type UpstreamStatus = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED' | 'UNKNOWN';

export interface UpstreamResult {
  readonly url?: string;
  readonly actualPrompt?: string;
  readonly code?: string;
  readonly message?: string;
}

export interface UpstreamSnapshot {
  readonly kind: 'snapshot';
  readonly status: UpstreamStatus;
  /** Task-level failure (FAILED). */
  readonly code?: string;
  readonly message?: string;
  /** Per-image outcomes (SUCCEEDED, also partial). */
  readonly results: readonly UpstreamResult[];
}

export type UpstreamQuery =
  UpstreamSnapshot | { readonly kind: 'retry'; readonly retryAfterMs: number | undefined; readonly throttled: boolean; readonly reason: string };

export interface UpstreamEngine {
  readonly kind: 'upstream';
  /** The engine name shown to operators ("dashscope"). */
  readonly name: string;
  /** How often each in-flight task is queried (the route's `poll_interval`). */
  readonly pollIntervalMs: number;
  /** Queries per second this route may send (the route's `query_per_second`). */
  readonly queryPerSecond: number;
  submit(submission: UpstreamSubmission): Promise<string>;
  query(upstreamId: string): Promise<UpstreamQuery>;
  /** True when the upstream accepted the cancel (its task was still PENDING). */
  cancel(upstreamId: string): Promise<boolean>;
  download(url: string, signal: AbortSignal): Promise<{ bytes: Buffer; contentType: string }>;
  close?(): Promise<void>;
}

export type { Secret };
