/**
 * The TaskStore port: durable task records that double as the work queue.
 *
 * Glossary:
 * - claim: atomically move a PENDING task (round-robin between workspaces) to RUNNING for one worker, giving it a lease.
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
import type { StoredTaskStatus, TaskStatus } from '@retouch/sdk/protocol';
import type { Size } from '@retouch/sdk/protocol';

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

export interface Settlement {
  /** CANCELED: the upstream task was cancelled (a forwarded cancel; see cancelUpstreamPending). */
  readonly status: 'SUCCEEDED' | 'FAILED' | 'CANCELED';
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
   * Claims a PENDING task whose workspace has fewer than `maxRunningPerWorkspace` RUNNING tasks
   * (DashScope's "concurrent tasks" limit: extra tasks wait, they are not refused). Fair between
   * workspaces: of the eligible workspaces, the one whose last claim is oldest (never claimed =
   * first; ties: the oldest waiting task) gets its oldest PENDING task.
   */
  claim(workerId: string, now: number, leaseUntil: number, maxRunningPerWorkspace: number): Promise<TaskRecord | undefined>;
  /** Extends the lease; false when the worker no longer holds it. */
  heartbeat(id: string, workerId: string, leaseUntil: number): Promise<boolean>;
  /** Extends the leases of many tasks at once (the upstream scheduler's one heartbeat); the ids still held. */
  heartbeatMany(ids: readonly string[], workerId: string, leaseUntil: number): Promise<string[]>;
  /** Records the engine chosen and the upstream task (if any); false when the lease is gone. */
  setRouting(id: string, workerId: string, routing: Routing): Promise<boolean>;
  /**
   * RUNNING → CANCELED for a task of this workspace whose upstream task is still PENDING (its
   * cancel was forwarded upstream and accepted); false otherwise.
   */
  cancelUpstreamPending(id: string, workspaceId: string, now: number): Promise<boolean>;
  /** Stores one output's outcome while the task runs. */
  recordResult(id: string, workerId: string, index: number, result: StoredResult): Promise<boolean>;
  settle(id: string, workerId: string, settlement: Settlement): Promise<boolean>;
  /** RUNNING → PENDING for a task this worker gives up without finishing (shutdown). */
  release(id: string, workerId: string): Promise<boolean>;
  recoverExpired(now: number, maxAttempts: number, failure: { code: string; message: string; expiresAt: number }): Promise<RecoveryReport>;
  /** Deletes up to `limit` tasks with expiresAt <= now and returns them, for their files to go too. */
  deleteExpired(now: number, limit: number): Promise<TaskRecord[]>;
  /**
   * Inserts the task together with its Idempotency-Key, atomically: when the workspace already
   * holds an unexpired row for the key (possibly committed a moment ago by a twin request on
   * another node), nothing is inserted and that row is returned instead.
   */
  insertIdempotent(task: NewTask, claim: IdempotencyClaim): Promise<{ created: true } | ({ created: false } & IdempotencyRecord)>;
  findIdempotencyKey(workspaceId: string, key: string, now: number): Promise<IdempotencyRecord | undefined>;
  /** Deletes up to `limit` keys with expiresAt <= now; returns how many went. */
  deleteExpiredIdempotencyKeys(now: number, limit: number): Promise<number>;
  /** Unexpired tasks of a workspace with revision > `afterRevision`, oldest change first. */
  changedSince(workspaceId: string, afterRevision: number, now: number, limit: number): Promise<TaskRecord[]>;
  /** Live tasks (expiresAt > now) by state: queue depth for /metrics, and the /readyz probe. */
  countByStatus(now: number): Promise<Partial<Record<StoredTaskStatus, number>>>;
  /** Rows ordered by day, then workspace; tasks still stored (the retention window) only. */
  usage(query: UsageQuery): Promise<UsageRow[]>;
  close(): Promise<void>;
}
