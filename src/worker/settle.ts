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

/** SUCCEEDED when any image succeeded (partial failures stay per image), else FAILED with the first failure. */
export async function settleTask(deps: SettleDeps, task: TaskRecord, results: readonly StoredResult[]): Promise<boolean> {
  const firstFailure = results.find((r): r is Failure => !r.ok);
  const succeeded = results.some((r) => r.ok);
  const endTime = deps.clock.now();
  const status = succeeded ? 'SUCCEEDED' : 'FAILED';
  const settled = await deps.queue.settle(task.id, deps.workerId, {
    status,
    ...(succeeded ? {} : { code: firstFailure?.code, message: firstFailure?.message }),
    endTime,
    expiresAt: endTime + deps.retentionMs,
  });
  if (settled) deps.onSettled?.({ task, status, endTime });
  return settled;
}

/** Records `failure` for every image not yet done and settles the task FAILED. */
export async function failTask(deps: SettleDeps, task: TaskRecord, failure: Failure): Promise<boolean> {
  const results: StoredResult[] = [];
  for (let index = 0; index < task.n; index++) {
    const done = task.results[index];
    if (done) {
      results.push(done);
      continue;
    }
    if (!(await deps.queue.recordResult(task.id, deps.workerId, index, failure))) return false;
    results.push(failure);
  }
  return settleTask(deps, task, results);
}
