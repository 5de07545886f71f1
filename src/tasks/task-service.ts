/**
 * TaskService: the only place where tasks are created, read, listed and cancelled on behalf of
 * clients. Workers change task state through the TaskStore's lease-guarded methods.
 */
import { randomInt } from 'node:crypto';
import type { NormalizedCreateRequest } from '../protocol/create-request.js';
import { MAX_SEED } from '../protocol/create-request.js';
import type { TaskStatus } from '../protocol/states.js';
import type { BlobStore } from '../blobs/blob-store.js';
import type { ImageResolver } from '../inputs/resolve-images.js';
import type { TaskRecord, TaskStore, UsageQuery, UsageRow } from './task-store.js';

export interface Caller {
  readonly workspaceId: string;
  readonly apiKeyId: string;
}

export interface Clock {
  now(): number;
}

export interface TaskServiceDeps {
  readonly store: TaskStore;
  readonly blobs: BlobStore;
  readonly images: ImageResolver;
  readonly clock: Clock;
  readonly newId: () => string;
  readonly retentionMs: number;
  /** Called after a task is stored, to wake idle workers. */
  readonly onCreated?: (taskId: string) => void;
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

export interface TaskService {
  create(request: NormalizedCreateRequest, caller: Caller, options: { requestId: string; ossResolve: boolean; signal?: AbortSignal }): Promise<TaskRecord>;
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

  return {
    async create(request, caller, options) {
      const images = await deps.images.resolve(request.images, {
        workspaceId: caller.workspaceId,
        model: request.model,
        ossResolve: options.ossResolve,
        signal: options.signal,
      });
      const id = deps.newId();
      const inputKeys = images.map((image, i) => `${caller.workspaceId}/inputs/${id}/${i}.${EXTENSIONS[image.format]}`);
      await Promise.all(images.map((image, i) => blobs.put(inputKeys[i]!, image.bytes, `image/${image.format}`)));
      const now = clock.now();
      try {
        await store.insert({
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
        });
      } catch (err) {
        await blobs.delete(inputKeys).catch(() => undefined);
        throw err;
      }
      deps.onCreated?.(id);
      return (await store.get(id))!;
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
      return store.cancel(id, workspaceId, clock.now());
    },

    usage(query) {
      return store.usage(query);
    },
  };
}
