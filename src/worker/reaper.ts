/**
 * Housekeeping on timers:
 * - recovery (every leaseMs/2): RUNNING tasks whose lease expired — their worker crashed or was
 *   killed — go back to PENDING, or FAILED after maxAttempts claims;
 * - reaping (every reaperIntervalMs): tasks past their expiry are deleted with their files,
 *   after which GET answers UNKNOWN and their URLs stop working.
 */
import type { BlobStore } from '../blobs/blob-store.js';
import { TaskFailures } from '../errors.js';
import type { Clock } from '../tasks/task-service.js';
import type { TaskRepository } from '../tasks/task-repository.js';
import type { TaskQueue } from '../tasks/task-queue.js';

export interface ReaperDeps {
  /** Recovery is the queue's. */
  readonly queue: Pick<TaskQueue, 'recoverExpired'>;
  /** Expiry is the repository's. */
  readonly tasks: Pick<TaskRepository, 'deleteExpired' | 'deleteExpiredIdempotencyKeys'>;
  readonly blobs: BlobStore;
  readonly clock: Clock;
  readonly leaseMs: number;
  readonly maxAttempts: number;
  readonly retentionMs: number;
  readonly reaperIntervalMs: number;
  readonly log: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
  readonly onRequeued?: () => void;
  readonly onSettled?: (taskId: string) => void;
}

export interface Reaper {
  start(): void;
  stop(): void;
  /** One recovery pass; exposed for start-up and tests. */
  recover(): Promise<void>;
  /** One reaping pass. */
  reap(): Promise<number>;
}

const BATCH = 200;

const { code, message } = TaskFailures.interrupted;
export const INTERRUPTED = { code, message };

export function createReaper(deps: ReaperDeps): Reaper {
  const timers: NodeJS.Timeout[] = [];

  async function recover(): Promise<void> {
    const now = deps.clock.now();
    const report = await deps.queue.recoverExpired(now, deps.maxAttempts, { ...INTERRUPTED, expiresAt: now + deps.retentionMs });
    if (report.requeued.length > 0 || report.failed.length > 0) {
      deps.log.info(report, 'recovered tasks whose worker stopped');
      if (report.requeued.length > 0) deps.onRequeued?.();
      for (const id of report.failed) deps.onSettled?.(id);
    }
  }

  async function reap(): Promise<number> {
    let total = 0;
    for (;;) {
      const expired = await deps.tasks.deleteExpired(deps.clock.now(), BATCH);
      const keys = expired.flatMap((task) => [...task.inputKeys, ...task.results.flatMap((r) => (r?.ok ? [r.blobKey] : []))]);
      await deps.blobs.delete(keys);
      total += expired.length;
      if (expired.length < BATCH) break;
    }
    // Idempotency keys live 24 h (routes/tasks.ts); an expired one is already ignored by lookups.
    while ((await deps.tasks.deleteExpiredIdempotencyKeys(deps.clock.now(), BATCH)) === BATCH);
    return total;
  }

  const guarded = (what: string, fn: () => Promise<unknown>) => () => {
    fn().catch((err) => deps.log.error({ err }, `${what} failed`));
  };

  return {
    start() {
      timers.push(setInterval(guarded('recovery', recover), Math.max(50, Math.floor(deps.leaseMs / 2))));
      timers.push(setInterval(guarded('reaping', reap), deps.reaperIntervalMs));
      for (const t of timers) t.unref();
    },
    stop() {
      for (const t of timers.splice(0)) clearInterval(t);
    },
    recover,
    reap,
  };
}
