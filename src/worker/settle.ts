/** Settling a task from its per-image outcomes; shared by the worker and the upstream scheduler. */
import { TaskFailures } from '../errors.js';
import type { StoredResult, TaskRecord } from '../tasks/task-record.js';
import type { TaskQueue } from '../tasks/task-queue.js';

export type Failure = Extract<StoredResult, { ok: false }>;

export const INTERNAL: Failure = TaskFailures.internal;
export const TIMEOUT: Failure = TaskFailures.timeout;

/** A task this worker just settled: the record it claimed, and how it ended. */
export interface SettledTask {
  readonly task: TaskRecord;
  readonly status: 'SUCCEEDED' | 'FAILED' | 'CANCELED';
  readonly endTime: number;
}

export interface SettleDeps {
  readonly queue: TaskQueue;
  readonly clock: { now(): number };
  readonly workerId: string;
  readonly retentionMs: number;
  /** Told what it needs (metrics) without reading the task again. */
  readonly onSettled?: (settled: SettledTask) => void;
}

/**
 * SUCCEEDED when any image succeeded (partial failures stay per image), else FAILED with the first
 * failure. `lastIndex`: the image of `results` not yet recorded, which the settlement records.
 */
export async function settleTask(deps: SettleDeps, task: TaskRecord, results: readonly StoredResult[], lastIndex?: number): Promise<boolean> {
  const firstFailure = results.find((r): r is Failure => !r.ok);
  const succeeded = results.some((r) => r.ok);
  const endTime = deps.clock.now();
  const status = succeeded ? 'SUCCEEDED' : 'FAILED';
  const settled = await deps.queue.settle(task.id, deps.workerId, {
    status,
    ...(succeeded ? {} : { code: firstFailure?.code, message: firstFailure?.message }),
    endTime,
    expiresAt: endTime + deps.retentionMs,
    ...(lastIndex === undefined ? {} : { last: { index: lastIndex, result: results[lastIndex]! } }),
  });
  if (settled) deps.onSettled?.({ task, status, endTime });
  return settled;
}

/** The indices of the task's images without an outcome yet, in order. */
export const missingImages = (task: TaskRecord): number[] => Array.from({ length: task.n }, (_, i) => i).filter((i) => !task.results[i]);

/** Records `failure` for every image not yet done (the last with the settlement) and settles the task FAILED. */
export async function failTask(deps: SettleDeps, task: TaskRecord, failure: Failure): Promise<boolean> {
  const missing = missingImages(task);
  const lastIndex = missing.pop();
  for (const index of missing) {
    if (!(await deps.queue.recordResult(task.id, deps.workerId, index, failure))) return false;
  }
  const results = Array.from({ length: task.n }, (_, i) => task.results[i] ?? failure);
  return settleTask(deps, task, results, lastIndex);
}
