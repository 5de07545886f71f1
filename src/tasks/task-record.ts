/**
 * A task as it is stored: what the API creates (NewTask) and what both the API's repository
 * (task-repository.ts) and the worker's queue (task-queue.ts) read back (TaskRecord).
 */
import type { StoredTaskStatus, Size } from '@retouch/sdk/protocol';

export type StoredResult =
  { readonly ok: true; readonly blobKey: string; readonly actualPrompt?: string } | { readonly ok: false; readonly code: string; readonly message: string };

/**
 * An upstream task this task is waiting on (src/worker/upstream-scheduler.ts). Stored as soon as
 * the upstream accepted it, before anything waits: a restart resumes polling this id instead of
 * submitting again. `status` is the upstream's last seen non-terminal state; while it is PENDING
 * the task is shown PENDING and a cancel is forwarded upstream.
 */
export interface UpstreamRef {
  /** The route whose engine submitted it (the model's own, or its `auto` fallback). */
  readonly route: string;
  readonly id: string;
  readonly status: 'PENDING' | 'RUNNING';
  readonly submittedAt: number;
}

/** Which engine a worker chose for the task (shown to operators), and its upstream task if any. */
export interface Routing {
  readonly engine: string;
  readonly upstream?: UpstreamRef;
}

export interface NewTask {
  readonly id: string;
  readonly workspaceId: string;
  readonly apiKeyId: string;
  readonly requestId: string;
  readonly model: string;
  readonly prompt: string;
  readonly negativePrompt: string;
  readonly n: number;
  readonly size: Size | undefined;
  readonly seed: number;
  readonly promptExtend: boolean;
  readonly watermark: boolean;
  readonly inputKeys: readonly string[];
  readonly submitTime: number;
  readonly expiresAt: number;
}

export interface TaskRecord extends NewTask {
  readonly status: StoredTaskStatus;
  readonly scheduledTime: number | undefined;
  readonly endTime: number | undefined;
  /** One slot per output index; null until that image is done. */
  readonly results: readonly (StoredResult | null)[];
  readonly code: string | undefined;
  readonly message: string | undefined;
  /** How many times a worker has claimed the task. */
  readonly attempts: number;
  /** The engine that ran (or runs) it: local, dashscope, …; undefined until a worker chose. */
  readonly engine: string | undefined;
  readonly upstream: UpstreamRef | undefined;
  /**
   * Store-wide change counter, stamped whenever the status or a result changes (and on insert):
   * a later change of any task gets a higher number. SSE event ids (see task-feed.ts).
   */
  readonly revision: number;
}
