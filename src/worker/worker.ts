/**
 * The worker: claims tasks from the store (the table is the queue), runs each output image
 * through the task's engine, stores the PNGs and settles the task.
 *
 * Leases: a claim holds the task until now + leaseMs; a heartbeat renews it every leaseMs/3,
 * so two missed beats still leave a margin before anyone else may take it over. If a heartbeat
 * finds the lease gone, the run is aborted: another worker owns the task now.
 *
 * Per-image outcomes are recorded as they finish, so a task re-run after a crash skips the
 * images it already produced.
 */
import { EditError, type Engine } from '../engines/engine.js';
import type { EngineRegistry } from '../engines/registry.js';
import type { BlobStore } from '../blobs/blob-store.js';
import type { Clock } from '../tasks/task-service.js';
import type { StoredResult, TaskRecord, TaskStore } from '../tasks/task-store.js';

export interface WorkerDeps {
  readonly store: TaskStore;
  readonly blobs: BlobStore;
  readonly engines: EngineRegistry;
  readonly clock: Clock;
  readonly workerId: string;
  readonly concurrency: number;
  /** Tasks of one workspace running at once, across all workers sharing the store. */
  readonly maxRunningPerWorkspace: number;
  readonly leaseMs: number;
  readonly taskTimeoutMs: number;
  readonly retentionMs: number;
  /** How long an idle slot sleeps before looking for work again without being woken. */
  readonly idlePollMs?: number;
  readonly log: WorkerLog;
  readonly onSettled?: (taskId: string) => void;
}

export interface WorkerLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  /** pino's child loggers: every line about a task carries its task_id. */
  child?(bindings: Record<string, unknown>): WorkerLog;
}

export interface Worker {
  start(): void;
  /** Wakes one idle slot: a task was just created (or handed back), here or on another node. */
  wake(): void;
  /** Stops claiming; running tasks get `graceMs` to finish, then are aborted and handed back. */
  stop(graceMs: number): Promise<void>;
}

class ShutdownAbort extends Error {}
class LeaseLost extends Error {}
class TaskTimeout extends Error {}

const INTERNAL = {
  code: 'InternalError.Algo',
  message: 'An internal error has occured during execution, please try again later or contact service support.',
};
const TIMEOUT = {
  code: 'InternalError.Timeout',
  message: 'An internal timeout error has occured during execution, please try again later or contact service support.',
};

export function createWorker(deps: WorkerDeps): Worker {
  const { store, blobs, clock, workerId } = deps;
  const idlePollMs = deps.idlePollMs ?? 1000;
  const logFor = (task: TaskRecord): WorkerLog => deps.log.child?.({ task_id: task.id }) ?? deps.log;
  const running = new Map<string, AbortController>();
  const slots: Promise<void>[] = [];
  let stopping = false;
  // Idle slots, each waiting for a wake-up or its poll timer.
  const idleSlots: (() => void)[] = [];

  // One slot per wake-up: one new task needs one claimer, and a slot that got a task keeps
  // claiming until the queue is empty. Waking every slot would make them all race for the same
  // row (on PostgreSQL, every worker node hears every notification).
  function wake(): void {
    idleSlots.shift()?.();
  }

  function wakeAll(): void {
    for (const resolve of idleSlots.splice(0)) resolve();
  }

  function idle(): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        const i = idleSlots.indexOf(done);
        if (i >= 0) idleSlots.splice(i, 1);
        resolve();
      };
      const timer = setTimeout(done, idlePollMs);
      idleSlots.push(done);
    });
  }

  async function slot(): Promise<void> {
    while (!stopping) {
      let task: TaskRecord | undefined;
      try {
        const now = clock.now();
        task = await store.claim(workerId, now, now + deps.leaseMs, deps.maxRunningPerWorkspace);
      } catch (err) {
        deps.log.error({ err }, 'claiming a task failed');
      }
      if (!task) {
        await idle();
        continue;
      }
      await run(task).catch((err) => logFor(task).error({ err }, 'running a task failed'));
    }
  }

  async function run(task: TaskRecord): Promise<void> {
    const controller = new AbortController();
    running.set(task.id, controller);
    const beat = setInterval(() => {
      store.heartbeat(task.id, workerId, clock.now() + deps.leaseMs).then(
        (held) => held || controller.abort(new LeaseLost()),
        (err) => logFor(task).warn({ err }, 'heartbeat failed'),
      );
    }, Math.max(100, Math.floor(deps.leaseMs / 3)));
    const deadline = setTimeout(() => controller.abort(new TaskTimeout()), deps.taskTimeoutMs);
    try {
      const results = await produce(task, controller.signal);
      if (results === undefined) return;
      await settle(task, results);
    } finally {
      clearInterval(beat);
      clearTimeout(deadline);
      running.delete(task.id);
    }
  }

  /** Runs every missing output; undefined when the task was handed back or taken over. */
  async function produce(task: TaskRecord, signal: AbortSignal): Promise<StoredResult[] | undefined> {
    const engine = deps.engines.forModel(task.model);
    const results = [...task.results];
    const inputs = engine ? await loadInputs(task) : undefined;
    for (let index = 0; index < task.n; index++) {
      if (results[index]) continue;
      let result: StoredResult;
      if (!engine) result = { ok: false, code: 'InvalidParameter', message: 'Model not exist.' };
      else if (!inputs) result = { ok: false, code: 'InternalError', message: 'The input images of this task are no longer available.' };
      else {
        try {
          result = await editOne(task, engine, inputs, index, signal);
        } catch (err) {
          const reason = signal.reason;
          if (reason instanceof ShutdownAbort) {
            await store.release(task.id, workerId);
            return undefined;
          }
          if (reason instanceof LeaseLost) return undefined;
          if (reason instanceof TaskTimeout) result = { ok: false, ...TIMEOUT };
          else if (err instanceof EditError) result = { ok: false, code: err.code, message: err.message };
          else {
            logFor(task).error({ err, index }, 'engine failed');
            result = { ok: false, ...INTERNAL };
          }
        }
      }
      results[index] = result;
      if (!(await store.recordResult(task.id, workerId, index, result))) return undefined;
    }
    return results as StoredResult[];
  }

  async function loadInputs(task: TaskRecord): Promise<Buffer[] | undefined> {
    const inputs = await Promise.all(task.inputKeys.map((key) => blobs.get(key)));
    return inputs.every((b): b is Buffer => b !== undefined) ? inputs : undefined;
  }

  async function editOne(task: TaskRecord, engine: Engine, images: Buffer[], index: number, signal: AbortSignal): Promise<StoredResult> {
    signal.throwIfAborted();
    const out = await engine.edit({
      images,
      prompt: task.prompt,
      negativePrompt: task.negativePrompt,
      index,
      seed: task.seed + index,
      size: task.size,
      promptExtend: task.promptExtend,
      watermark: task.watermark,
      signal,
    });
    signal.throwIfAborted();
    const blobKey = `${task.workspaceId}/results/${task.id}/${index}.png`;
    await blobs.put(blobKey, out.png, 'image/png');
    return out.actualPrompt === undefined ? { ok: true, blobKey } : { ok: true, blobKey, actualPrompt: out.actualPrompt };
  }

  async function settle(task: TaskRecord, results: StoredResult[]): Promise<void> {
    const firstFailure = results.find((r): r is Extract<StoredResult, { ok: false }> => !r.ok);
    const succeeded = results.some((r) => r.ok);
    const endTime = clock.now();
    const settled = await store.settle(task.id, workerId, {
      status: succeeded ? 'SUCCEEDED' : 'FAILED',
      ...(succeeded ? {} : { code: firstFailure?.code, message: firstFailure?.message }),
      endTime,
      expiresAt: endTime + deps.retentionMs,
    });
    if (settled) deps.onSettled?.(task.id);
  }

  return {
    start() {
      for (let i = 0; i < deps.concurrency; i++) slots.push(slot());
    },
    wake,
    async stop(graceMs) {
      stopping = true;
      wakeAll();
      const all = Promise.all(slots);
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), graceMs)));
      if ((await Promise.race([all, graceOver])) === 'timeout') {
        for (const controller of running.values()) controller.abort(new ShutdownAbort());
        await all;
      }
      clearTimeout(timer);
    },
  };
}
