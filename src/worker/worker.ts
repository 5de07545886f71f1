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
 *
 * Routing: the registry decides which engine runs each task (engines/registry.ts); the choice is
 * stored on the row and logged. A task for an upstream task API (DashScope) does not keep its
 * slot: the slot submits it (or, when an upstream id is already stored, just resumes it) and
 * hands it to the upstream scheduler, which polls, keeps the lease and settles it.
 */
import { EditError, type Engine } from '../engines/engine.js';
import type { Decision, EngineRegistry } from '../engines/registry.js';
import type { BlobStore } from '../blobs/blob-store.js';
import { contentTypeOf, resultBlobKey } from '../blobs/keys.js';
import { TaskFailures } from '../errors.js';
import type { Clock } from '../tasks/task-service.js';
import type { StoredResult, TaskRecord } from '../tasks/task-record.js';
import type { TaskQueue } from '../tasks/task-queue.js';
import { failTask, INTERNAL, missingImages, settleTask, TIMEOUT, type SettleDeps } from './settle.js';
import { createUpstreamScheduler } from './upstream-scheduler.js';

export interface WorkerDeps {
  readonly queue: TaskQueue;
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
  readonly onSettled?: SettleDeps['onSettled'];
  /** Upstream scheduler tick (tests and benches); default 50 ms. */
  readonly upstreamTickMs?: number;
}

export interface WorkerLog {
  info(obj: object, msg: string): void;
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

const ROUTE_GONE = TaskFailures.routeGone;

export function createWorker(deps: WorkerDeps): Worker {
  const { queue, blobs, clock, workerId } = deps;
  const idlePollMs = deps.idlePollMs ?? 1000;
  const logFor = (task: TaskRecord): WorkerLog => deps.log.child?.({ task_id: task.id }) ?? deps.log;
  const running = new Map<string, AbortController>();
  const slots: Promise<void>[] = [];
  let stopping = false;
  // Idle slots, each waiting for a wake-up or its poll timer.
  const idleSlots: (() => void)[] = [];
  const settleDeps: SettleDeps = { queue, clock, workerId, retentionMs: deps.retentionMs, onSettled: deps.onSettled };
  const upstreams = createUpstreamScheduler({
    queue,
    blobs,
    clock,
    workerId,
    leaseMs: deps.leaseMs,
    retentionMs: deps.retentionMs,
    tickMs: deps.upstreamTickMs,
    log: deps.log,
    onSettled: deps.onSettled,
  });

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
        task = await queue.claim(workerId, now, now + deps.leaseMs, deps.maxRunningPerWorkspace);
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

  /** The stored upstream task wins over a fresh decision: it must be resumed, never resubmitted. */
  function decide(task: TaskRecord): Decision | undefined {
    if (!task.upstream) return deps.engines.decide(task.model, task.prompt);
    return (
      deps.engines.resume(task.upstream.route) ?? { kind: 'fail', code: ROUTE_GONE.code, message: ROUTE_GONE.message, engineName: task.engine ?? 'unknown' }
    );
  }

  async function run(task: TaskRecord): Promise<void> {
    const decision = decide(task);
    const controller = new AbortController();
    running.set(task.id, controller);
    const beat = setInterval(
      () => {
        queue.heartbeat(task.id, workerId, clock.now() + deps.leaseMs).then(
          (held) => held || controller.abort(new LeaseLost()),
          (err) => logFor(task).warn({ err }, 'heartbeat failed'),
        );
      },
      Math.max(100, Math.floor(deps.leaseMs / 3)),
    );
    const timeoutMs = (decision?.kind !== 'fail' && decision?.timeoutMs) || deps.taskTimeoutMs;
    const deadline = setTimeout(() => controller.abort(new TaskTimeout()), timeoutMs);
    try {
      if (decision) {
        if (!task.upstream)
          deps.log.info(
            { taskId: task.id, model: task.model, engine: decision.engineName, route: decision.kind === 'fail' ? task.model : decision.route },
            'task routed',
          );
        if (!(await queue.setRouting(task.id, workerId, { engine: decision.engineName, ...(task.upstream ? { upstream: task.upstream } : {}) }))) return;
      }
      if (decision?.kind === 'upstream') return await handOff(task, decision, timeoutMs, controller.signal);
      const produced = await produce(task, decision, controller.signal);
      if (produced === undefined) return;
      await settleTask(settleDeps, task, produced.results, produced.lastIndex);
    } finally {
      clearInterval(beat);
      clearTimeout(deadline);
      running.delete(task.id);
    }
  }

  /** Submits (or resumes) an upstream task and hands it to the scheduler; the slot is then free. */
  async function handOff(task: TaskRecord, d: Extract<Decision, { kind: 'upstream' }>, timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (task.upstream) {
      upstreams.track(task, task.upstream, d.upstream, timeoutMs, false);
      return;
    }
    let id: string;
    try {
      await upstreams.reserve(d.upstream, d.concurrency, signal);
    } catch {
      if (signal.reason instanceof ShutdownAbort) await queue.release(task.id, workerId);
      else if (signal.reason instanceof TaskTimeout) await failTask(settleDeps, task, TIMEOUT);
      return;
    }
    try {
      const inputs = await loadInputs(task);
      if (!inputs) {
        upstreams.unreserve(d.upstream);
        await failTask(settleDeps, task, TaskFailures.inputsGone);
        return;
      }
      id = await d.upstream.submit({
        idempotencyKey: `retouch-${task.id}`,
        images: inputs.map((bytes, i) => ({ bytes, contentType: contentTypeOf(task.inputKeys[i]!) })),
        prompt: task.prompt,
        negativePrompt: task.negativePrompt,
        n: task.n,
        size: task.size,
        seed: task.seed,
        promptExtend: task.promptExtend,
        watermark: task.watermark,
        signal,
      });
    } catch (err) {
      upstreams.unreserve(d.upstream);
      const reason = signal.reason;
      if (reason instanceof ShutdownAbort) await queue.release(task.id, workerId);
      else if (reason instanceof LeaseLost) return;
      else if (reason instanceof TaskTimeout) await failTask(settleDeps, task, TIMEOUT);
      else if (err instanceof EditError) await failTask(settleDeps, task, { ok: false, code: err.code, message: err.message });
      else {
        deps.log.error({ err, taskId: task.id }, 'upstream submit failed');
        await failTask(settleDeps, task, INTERNAL);
      }
      return;
    }
    // Stored before anything waits on it: from here a restart resumes this id, never resubmits.
    const ref = { route: d.route, id, status: 'PENDING' as const, submittedAt: clock.now() };
    if (!(await queue.setRouting(task.id, workerId, { engine: d.engineName, upstream: ref }))) {
      upstreams.unreserve(d.upstream);
      void d.upstream.cancel(id).catch(() => false);
      return;
    }
    deps.log.info({ taskId: task.id, upstreamTaskId: id, route: d.route }, 'upstream task submitted');
    upstreams.track(task, ref, d.upstream, timeoutMs, true);
  }

  /**
   * Runs every missing output, recording each as it finishes except the last, which the
   * settlement records (`lastIndex`); undefined when the task was handed back or taken over.
   */
  async function produce(
    task: TaskRecord,
    decision: Decision | undefined,
    signal: AbortSignal,
  ): Promise<{ results: StoredResult[]; lastIndex?: number } | undefined> {
    const engine = decision?.kind === 'engine' ? decision.engine : undefined;
    const results = [...task.results];
    const inputs = engine ? await loadInputs(task) : undefined;
    const missing = missingImages(task);
    const lastIndex = missing.at(-1);
    for (const index of missing) {
      let result: StoredResult;
      if (!decision) result = TaskFailures.modelNotExist;
      else if (decision.kind === 'fail') result = { ok: false, code: decision.code, message: decision.message };
      else if (!engine) result = INTERNAL;
      else if (!inputs) result = TaskFailures.inputsGone;
      else {
        try {
          result = await editOne(task, engine, inputs, index, signal);
        } catch (err) {
          const reason = signal.reason;
          if (reason instanceof ShutdownAbort) {
            await queue.release(task.id, workerId);
            return undefined;
          }
          if (reason instanceof LeaseLost) return undefined;
          if (reason instanceof TaskTimeout) result = TIMEOUT;
          else if (err instanceof EditError) result = { ok: false, code: err.code, message: err.message };
          else {
            logFor(task).error({ err, index }, 'engine failed');
            result = INTERNAL;
          }
        }
      }
      results[index] = result;
      if (index !== lastIndex && !(await queue.recordResult(task.id, workerId, index, result))) return undefined;
    }
    return { results: results as StoredResult[], lastIndex };
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
      count: task.n,
      seed: task.seed + index,
      size: task.size,
      promptExtend: task.promptExtend,
      watermark: task.watermark,
      signal,
    });
    signal.throwIfAborted();
    const blobKey = resultBlobKey(task.workspaceId, task.id, index, 'png');
    await blobs.put(blobKey, out.png, 'image/png');
    return out.actualPrompt === undefined ? { ok: true, blobKey } : { ok: true, blobKey, actualPrompt: out.actualPrompt };
  }

  return {
    start() {
      upstreams.start();
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
      // Upstream tasks go back to PENDING with their upstream id: the next claim resumes them.
      await upstreams.stop();
    },
  };
}
