/**
 * TaskService: the only place where tasks are created, read, listed and cancelled on behalf of
 * clients. Workers change task state through the TaskQueue's lease-guarded methods.
 */
import { randomInt } from 'node:crypto';
import { type NormalizedCreateRequest, MAX_SEED, type TaskStatus } from '@retouch/sdk/protocol';
import type { BlobStore } from '../blobs/blob-store.js';
import { inputBlobKey } from '../blobs/keys.js';
import type { ImageResolver } from '../inputs/resolve-images.js';
import type { NewTask, TaskRecord } from './task-record.js';
import type { TaskRepository, UsageQuery, UsageRow } from './task-repository.js';

export interface Caller {
  readonly workspaceId: string;
  readonly apiKeyId: string;
}

export interface Clock {
  now(): number;
}

export interface TaskServiceDeps {
  readonly store: TaskRepository;
  readonly blobs: BlobStore;
  readonly images: ImageResolver;
  readonly clock: Clock;
  readonly newId: () => string;
  readonly retentionMs: number;
  /**
   * Forwards a cancel to the upstream task a RUNNING task waits on (while that is PENDING there);
   * true when the upstream accepted it. Absent: such tasks cannot be cancelled.
   */
  readonly forwardCancel?: (task: TaskRecord) => Promise<boolean>;
  /** Called after a task is stored, to wake idle workers. */
  readonly onCreated?: (taskId: string) => void;
  /** Records a task's callback URL (webhooks/); called before the task row exists, see create. */
  readonly callbacks?: { register(taskId: string, workspaceId: string, url: string): Promise<void> };
}

export interface ListTasksQuery {
  readonly taskId?: string;
  readonly model?: string;
  readonly status?: TaskStatus;
  readonly from: number;
  readonly to: number;
  readonly pageNo: number;
  readonly pageSize: number;
}

export interface CreateOptions {
  readonly requestId: string;
  readonly ossResolve: boolean;
  readonly signal?: AbortSignal;
  /** A per-task webhook (X-Retouch-Callback-Url), already checked against the outbound policy. */
  readonly callbackUrl?: string;
}

/** An Idempotency-Key and the canonical hash of the body it came with. */
export interface IdempotencyInput {
  readonly key: string;
  readonly fingerprint: string;
  /** How long the key keeps answering with its task (24 h). */
  readonly ttlMs: number;
}

export type IdempotentOutcome =
  | { readonly kind: 'created' | 'replayed'; readonly taskId: string }
  /** The key is already bound to a request with another body. */
  | { readonly kind: 'mismatch' };

export interface TaskService {
  /** The task as inserted (PENDING; a worker may have claimed it by the time this resolves). */
  create(request: NormalizedCreateRequest, caller: Caller, options: CreateOptions): Promise<NewTask>;
  /**
   * Creates at most one task per (workspace, key) within the key's lifetime: a repeat with the
   * same body gets the first task's id (also when twins race, on any node), another body gets
   * 'mismatch'. Expired keys are ignored (and reaped).
   */
  createIdempotent(request: NormalizedCreateRequest, caller: Caller, options: CreateOptions, idempotency: IdempotencyInput): Promise<IdempotentOutcome>;
  /** Unexpired tasks of the workspace changed after `afterRevision` (SSE resume), oldest first. */
  changedSince(workspaceId: string, afterRevision: number, limit: number): Promise<TaskRecord[]>;
  /** The task if it exists, belongs to the workspace and has not expired. */
  get(id: string, workspaceId: string): Promise<TaskRecord | undefined>;
  list(workspaceId: string, query: ListTasksQuery): Promise<{ total: number; items: TaskRecord[] }>;
  cancel(id: string, workspaceId: string): Promise<boolean>;
  /** Every workspace's usage, for the admin API (callers check the admin role). */
  usage(query: UsageQuery): Promise<UsageRow[]>;
}

const EXTENSIONS = { jpeg: 'jpg', png: 'png', webp: 'webp' } as const;

export function createTaskService(deps: TaskServiceDeps): TaskService {
  const { store, blobs, clock } = deps;
  const visible = (task: TaskRecord | undefined, workspaceId: string): TaskRecord | undefined =>
    task && task.workspaceId === workspaceId && task.expiresAt > clock.now() ? task : undefined;

  /** Resolves and stores the input images; the task row is the caller's to insert. */
  async function prepare(request: NormalizedCreateRequest, caller: Caller, options: CreateOptions): Promise<NewTask> {
    const images = await deps.images.resolve(request.images, {
      workspaceId: caller.workspaceId,
      model: request.model,
      ossResolve: options.ossResolve,
      signal: options.signal,
    });
    const id = deps.newId();
    const inputKeys = images.map((image, i) => inputBlobKey(caller.workspaceId, id, i, EXTENSIONS[image.format]));
    await Promise.all(images.map((image, i) => blobs.put(inputKeys[i]!, image.bytes, `image/${image.format}`)));
    // The callback is stored before the task: once the task row exists a worker may settle it
    // at any moment, and the outbox trigger must find the callback then (a crash in between, or
    // an idempotent replay that inserts no task, leaves only a callback row without a task,
    // which the webhook sweeper removes).
    if (options.callbackUrl !== undefined) {
      if (!deps.callbacks) throw new Error('task callbacks are not configured');
      await deps.callbacks.register(id, caller.workspaceId, options.callbackUrl);
    }
    const now = clock.now();
    return {
      id,
      workspaceId: caller.workspaceId,
      apiKeyId: caller.apiKeyId,
      requestId: options.requestId,
      model: request.model,
      prompt: request.prompt,
      negativePrompt: request.negativePrompt,
      n: request.n,
      size: request.size,
      // Leave room for seed+i (i ≤ 3) when we draw the seed ourselves.
      seed: request.seed ?? randomInt(0, MAX_SEED - 3),
      promptExtend: request.promptExtend,
      watermark: request.watermark,
      inputKeys,
      submitTime: now,
      expiresAt: now + deps.retentionMs,
    };
  }

  return {
    async create(request, caller, options) {
      const task = await prepare(request, caller, options);
      try {
        await store.insert(task);
      } catch (err) {
        await blobs.delete(task.inputKeys).catch(() => undefined);
        throw err;
      }
      deps.onCreated?.(task.id);
      return task;
    },

    async createIdempotent(request, caller, options, idempotency) {
      const verdict = (found: { taskId: string; fingerprint: string }): IdempotentOutcome =>
        found.fingerprint === idempotency.fingerprint ? { kind: 'replayed', taskId: found.taskId } : { kind: 'mismatch' };
      // Most repeats are sequential (a client retrying): answer them before fetching any image.
      const known = await store.findIdempotencyKey(caller.workspaceId, idempotency.key, clock.now());
      if (known) return verdict(known);
      const task = await prepare(request, caller, options);
      let outcome: Awaited<ReturnType<TaskRepository['insertIdempotent']>>;
      try {
        outcome = await store.insertIdempotent(task, {
          key: idempotency.key,
          fingerprint: idempotency.fingerprint,
          createdAt: task.submitTime,
          expiresAt: task.submitTime + idempotency.ttlMs,
        });
      } catch (err) {
        await blobs.delete(task.inputKeys).catch(() => undefined);
        throw err;
      }
      if (!outcome.created) {
        // A twin won the race: our copy of the inputs is not needed.
        await blobs.delete(task.inputKeys).catch(() => undefined);
        return verdict(outcome);
      }
      deps.onCreated?.(task.id);
      return { kind: 'created', taskId: task.id };
    },

    async changedSince(workspaceId, afterRevision, limit) {
      return store.changedSince(workspaceId, afterRevision, clock.now(), limit);
    },

    async get(id, workspaceId) {
      return visible(await store.get(id), workspaceId);
    },

    async list(workspaceId, query) {
      return store.list({
        workspaceId,
        taskId: query.taskId,
        model: query.model,
        status: query.status,
        from: query.from,
        to: query.to,
        now: clock.now(),
        offset: (query.pageNo - 1) * query.pageSize,
        limit: query.pageSize,
      });
    },

    async cancel(id, workspaceId) {
      const task = visible(await store.get(id), workspaceId);
      if (!task) return false;
      // Queued upstream: only the upstream can say whether it is still cancellable (it decides).
      if (task.status === 'RUNNING' && task.upstream?.status === 'PENDING' && deps.forwardCancel) {
        if (!(await deps.forwardCancel(task))) return false;
        return store.cancelUpstreamPending(id, workspaceId, clock.now());
      }
      return store.cancel(id, workspaceId, clock.now());
    },

    usage(query) {
      return store.usage(query);
    },
  };
}
