/**
 * The TaskRepository port: the API's side of the task records (create, read, list, cancel,
 * expire, usage). The worker's side, claiming and running tasks, is the TaskQueue
 * (task-queue.ts); both are views of the same table, written by adapters under ./sqlite and
 * ./postgres.
 *
 * Contract for adapters (checked by test/contracts/task-repository.contract.ts on both):
 * - state changes follow `canTransition` in protocol/states.ts; methods that would break it
 *   return false instead of throwing;
 * - `expiresAt` is the moment a task stops existing for clients: reads (list, changedSince,
 *   countByStatus) never show an expired task, and deleteExpired removes it for good;
 * - all methods are safe to call concurrently, from any number of processes.
 */
import type { StoredTaskStatus, TaskStatus } from '@retouch/sdk/protocol';
import type { NewTask, TaskRecord } from './task-record.js';

/** An Idempotency-Key on create, stored with the task it produced. */
export interface IdempotencyClaim {
  readonly key: string;
  /** Canonical hash of the request body: the same key with another body is refused. */
  readonly fingerprint: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

export interface IdempotencyRecord {
  readonly taskId: string;
  readonly fingerprint: string;
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

export interface TaskRepository {
  /** Stores a new task as PENDING, with one empty result slot per output. */
  insert(task: NewTask): Promise<void>;
  /**
   * Inserts the task together with its Idempotency-Key, atomically: when the workspace already
   * holds an unexpired row for the key (possibly committed a moment ago by a twin request on
   * another node), nothing is inserted and that row is returned instead.
   */
  insertIdempotent(task: NewTask, claim: IdempotencyClaim): Promise<{ created: true } | ({ created: false } & IdempotencyRecord)>;
  /** The unexpired Idempotency-Key row of this workspace, if any. */
  findIdempotencyKey(workspaceId: string, key: string, now: number): Promise<IdempotencyRecord | undefined>;
  /** The task, whatever its workspace or expiry (callers check both); undefined when unknown. */
  get(id: string): Promise<TaskRecord | undefined>;
  /** One page of a workspace's unexpired tasks, newest first, with the total that match. */
  list(query: ListQuery): Promise<{ total: number; items: TaskRecord[] }>;
  /** PENDING → CANCELED for a task of this workspace; false if it is not (or no longer) PENDING. */
  cancel(id: string, workspaceId: string, now: number): Promise<boolean>;
  /**
   * RUNNING → CANCELED for a task of this workspace whose upstream task is still PENDING (its
   * cancel was forwarded upstream and accepted); false otherwise.
   */
  cancelUpstreamPending(id: string, workspaceId: string, now: number): Promise<boolean>;
  /** Unexpired tasks of a workspace with revision > `afterRevision`, oldest change first. */
  changedSince(workspaceId: string, afterRevision: number, now: number, limit: number): Promise<TaskRecord[]>;
  /** Deletes up to `limit` tasks with expiresAt <= now and returns them, for their files to go too. */
  deleteExpired(now: number, limit: number): Promise<TaskRecord[]>;
  /** Deletes up to `limit` Idempotency-Keys with expiresAt <= now; returns how many went. */
  deleteExpiredIdempotencyKeys(now: number, limit: number): Promise<number>;
  /** Live tasks (expiresAt > now) by state: queue depth for /metrics, and the /readyz probe. */
  countByStatus(now: number): Promise<Partial<Record<StoredTaskStatus, number>>>;
  /** Rows ordered by day, then workspace; tasks still stored (the retention window) only. */
  usage(query: UsageQuery): Promise<UsageRow[]>;
}
