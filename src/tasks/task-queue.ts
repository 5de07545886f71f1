/**
 * The TaskQueue port: the worker's side of the task records, which double as the work queue.
 * The API's side (create, read, cancel, expire) is the TaskRepository (task-repository.ts).
 *
 * Glossary:
 * - claim: atomically move a PENDING task (round-robin between workspaces) to RUNNING for one
 *   worker, giving it a lease.
 * - lease: the worker's exclusive right to run the task until `leaseUntil`; renewed by heartbeat.
 *   Every write a worker makes is conditional on still holding the lease (id + workerId), so a
 *   worker whose lease was taken over can no longer change the task.
 * - recover: a RUNNING task whose lease expired (its worker died) goes back to PENDING, or to
 *   FAILED once it has been claimed `maxAttempts` times.
 *
 * Contract for adapters (checked by test/contracts/task-queue.contract.ts on both):
 * - state changes follow `canTransition` in protocol/states.ts; methods that would break it
 *   return false/undefined instead of throwing;
 * - claim never hands one task to two workers, even from concurrent processes;
 * - all methods are safe to call concurrently.
 *
 * Each adapter keeps its transactions in one place per method (claim, heartbeatMany,
 * recoverExpired), so that batching them is a local change.
 */
import type { Routing, StoredResult, TaskRecord } from './task-record.js';

export interface Settlement {
  /** CANCELED: the upstream task was cancelled (a forwarded cancel; see cancelUpstreamPending). */
  readonly status: 'SUCCEEDED' | 'FAILED' | 'CANCELED';
  readonly code?: string;
  readonly message?: string;
  readonly endTime: number;
  readonly expiresAt: number;
  /**
   * The outcome of the last image to finish, recorded in the same statement as the settlement
   * (instead of a recordResult just before it: one write fewer per task). A crash before the
   * settlement loses it as it would have lost the settlement: the task is recovered and that
   * image runs again.
   */
  readonly last?: { readonly index: number; readonly result: StoredResult };
}

/** An index adapters accept for an image's outcome (the upper bound is the row's, checked in SQL). */
export const isImageIndex = (index: number): boolean => Number.isInteger(index) && index >= 0;

export interface RecoveryReport {
  readonly requeued: string[];
  readonly failed: string[];
}

export interface TaskQueue {
  /**
   * Claims a PENDING task whose workspace has fewer than `maxRunningPerWorkspace` RUNNING tasks
   * (DashScope's "concurrent tasks" limit: extra tasks wait, they are not refused). Fair between
   * workspaces: of the eligible workspaces, the one whose last claim is oldest (never claimed =
   * first; ties: the oldest waiting task) gets its oldest PENDING task. Undefined when none can be claimed.
   */
  claim(workerId: string, now: number, leaseUntil: number, maxRunningPerWorkspace: number): Promise<TaskRecord | undefined>;
  /** Extends the lease; false when the worker no longer holds it. */
  heartbeat(id: string, workerId: string, leaseUntil: number): Promise<boolean>;
  /** Extends the leases of many tasks at once (the upstream scheduler's one heartbeat); the ids still held. */
  heartbeatMany(ids: readonly string[], workerId: string, leaseUntil: number): Promise<string[]>;
  /** Records the engine chosen and the upstream task (if any); false when the lease is gone. */
  setRouting(id: string, workerId: string, routing: Routing): Promise<boolean>;
  /** Stores one output's outcome while the task runs; false when the lease is gone or the index is out of range. */
  recordResult(id: string, workerId: string, index: number, result: StoredResult): Promise<boolean>;
  /** RUNNING → a final state, ending the lease; false when the lease is gone. */
  settle(id: string, workerId: string, settlement: Settlement): Promise<boolean>;
  /** RUNNING → PENDING for a task this worker gives up without finishing (shutdown); not counted as an attempt. */
  release(id: string, workerId: string): Promise<boolean>;
  /** Requeues (or, past `maxAttempts`, fails with `failure`) every RUNNING task whose lease ended before `now`. */
  recoverExpired(now: number, maxAttempts: number, failure: { code: string; message: string; expiresAt: number }): Promise<RecoveryReport>;
}
