/**
 * The TaskStore port: durable task records that double as the work queue.
 *
 * Glossary:
 * - claim: atomically move the oldest PENDING task to RUNNING for one worker, giving it a lease.
 * - lease: the worker's exclusive right to run the task until `leaseUntil`; renewed by heartbeat.
 *   Every write a worker makes is conditional on still holding the lease (id + workerId), so a
 *   worker whose lease was taken over can no longer change the task.
 * - recover: a RUNNING task whose lease expired (its worker died) goes back to PENDING, or to
 *   FAILED once it has been claimed `maxAttempts` times.
 * - expiresAt: the moment the task stops existing for clients; the reaper deletes it after.
 *
 * Contract for adapters (checked by test/contracts/task-store.contract.ts):
 * - state changes follow `canTransition` in protocol/states.ts; methods that would break it
 *   return false/undefined instead of throwing;
 * - claim never hands one task to two workers, even from concurrent processes;
 * - all methods are safe to call concurrently.
 */
import type { StoredTaskStatus, TaskStatus } from '../protocol/states.js';
import type { Size } from '../protocol/size.js';

export type StoredResult =
  | { readonly ok: true; readonly blobKey: string; readonly actualPrompt?: string }
  | { readonly ok: false; readonly code: string; readonly message: string };

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
}

export interface ListQuery {
  readonly workspaceId: string;
  readonly taskId?: string;
  readonly model?: string;
  readonly status?: TaskStatus;
  /** Inclusive bounds on submitTime, epoch ms. */
  readonly from: number;
  readonly to: number;
  /** Tasks with expiresAt <= now are invisible. */
  readonly now: number;
  readonly offset: number;
  readonly limit: number;
}

export interface Settlement {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly code?: string;
  readonly message?: string;
  readonly endTime: number;
  readonly expiresAt: number;
}

export interface RecoveryReport {
  readonly requeued: string[];
  readonly failed: string[];
}

/** Usage for the admin API: tasks submitted in [from, to], grouped by workspace and UTC day. */
export interface UsageQuery {
  readonly from: number;
  readonly to: number;
  readonly workspaceId?: string;
}

export interface UsageRow {
  readonly workspaceId: string;
  /** `YYYY-MM-DD`, UTC. */
  readonly day: string;
  readonly tasks: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly canceled: number;
  /** Output images that were made (successful result slots). */
  readonly images: number;
}

export interface TaskStore {
  insert(task: NewTask): Promise<void>;
  get(id: string): Promise<TaskRecord | undefined>;
  list(query: ListQuery): Promise<{ total: number; items: TaskRecord[] }>;
  /** PENDING → CANCELED for a task of this workspace; false if it is not (or no longer) PENDING. */
  cancel(id: string, workspaceId: string, now: number): Promise<boolean>;
  /**
   * Claims the oldest PENDING task whose workspace has fewer than `maxRunningPerWorkspace`
   * RUNNING tasks (DashScope's "concurrent tasks" limit: extra tasks wait, they are not refused).
   */
  claim(workerId: string, now: number, leaseUntil: number, maxRunningPerWorkspace: number): Promise<TaskRecord | undefined>;
  /** Extends the lease; false when the worker no longer holds it. */
  heartbeat(id: string, workerId: string, leaseUntil: number): Promise<boolean>;
  /** Stores one output's outcome while the task runs. */
  recordResult(id: string, workerId: string, index: number, result: StoredResult): Promise<boolean>;
  settle(id: string, workerId: string, settlement: Settlement): Promise<boolean>;
  /** RUNNING → PENDING for a task this worker gives up without finishing (shutdown). */
  release(id: string, workerId: string): Promise<boolean>;
  recoverExpired(now: number, maxAttempts: number, failure: { code: string; message: string; expiresAt: number }): Promise<RecoveryReport>;
  /** Deletes up to `limit` tasks with expiresAt <= now and returns them, for their files to go too. */
  deleteExpired(now: number, limit: number): Promise<TaskRecord[]>;
  /** Rows ordered by day, then workspace; tasks still stored (the retention window) only. */
  usage(query: UsageQuery): Promise<UsageRow[]>;
  close(): Promise<void>;
}
