/**
 * The upstream scheduler: ONE poller for every upstream task this node waits on (not a sleep
 * loop per task, and no worker slot held while the upstream works, so a node with 2 slots can
 * wait on hundreds of upstream tasks).
 *
 * - Each route has a query budget (`query_per_second`, a sliding one-second window) and a poll
 *   interval. Every tick, the due tasks of a route are polled oldest-due first while the budget
 *   allows, so none starves: with more tasks than the budget covers, each is polled every
 *   tasks ÷ budget seconds instead of every interval.
 * - A 429 pauses the whole route for its Retry-After (rate limits belong to the key); other
 *   transient failures back the one task off (Retry-After, else bounded exponential backoff).
 * - One batched heartbeat keeps every held lease alive; a task whose lease is gone (cancelled,
 *   taken over after a stall) is dropped.
 * - A finished upstream task is settled here: each result image is downloaded at once into
 *   retouch's blob store (upstream URLs expire) and served under retouch's own signed URL;
 *   per-image codes, messages and actual prompts are kept, upstream failure codes pass through.
 * - stop() hands every task back (PENDING, stored upstream id kept): the next claim resumes it.
 */
import type { BlobStore } from '../blobs/blob-store.js';
import { backoffMs } from '../engines/routes/backoff.js';
import { createRateWindow, type RateWindow, type Ticket } from '../engines/routes/rate-window.js';
import type { UpstreamEngine } from '../engines/routes/upstream-engine.js';
import type { TaskRecord, UpstreamRef } from '../tasks/task-record.js';
import type { TaskQueue } from '../tasks/task-queue.js';
import { failTask, TIMEOUT, type SettleDeps } from './settle.js';
import { settleFromUpstream } from './upstream-outcome.js';

export interface UpstreamSchedulerDeps {
  readonly queue: TaskQueue;
  readonly blobs: BlobStore;
  readonly clock: { now(): number };
  readonly workerId: string;
  readonly leaseMs: number;
  readonly retentionMs: number;
  /** How often due tasks are looked for; bounds how late a poll starts (default 50 ms). */
  readonly tickMs?: number;
  readonly log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  readonly onSettled?: SettleDeps['onSettled'];
}

export interface UpstreamScheduler {
  /** Waits for room under the route's `concurrency` and reserves it for one `track`. */
  reserve(upstream: UpstreamEngine, concurrency: number | undefined, signal: AbortSignal): Promise<void>;
  /** Gives back a reservation that will not be tracked (the submit failed). */
  unreserve(upstream: UpstreamEngine): void;
  /** Takes over a task whose upstream id is stored; the caller's lease is kept alive from now on. */
  track(task: TaskRecord, ref: UpstreamRef, upstream: UpstreamEngine, timeoutMs: number, reserved: boolean): void;
  /** Tasks being waited on. */
  size(): number;
  start(): void;
  stop(): Promise<void>;
}

interface Entry {
  readonly task: TaskRecord;
  ref: UpstreamRef;
  readonly deadline: number;
  nextPollAt: number;
  failures: number;
  busy: boolean;
}

interface RouteState {
  readonly upstream: UpstreamEngine;
  readonly budget: RateWindow;
  readonly entries: Map<string, Entry>;
  reserved: number;
  readonly waiters: (() => void)[];
}

/** Upstream tasks one route may have in flight on one node when its `concurrency` is not set. */
const DEFAULT_CONCURRENCY = 1000;

export function createUpstreamScheduler(deps: UpstreamSchedulerDeps): UpstreamScheduler {
  const { queue, clock, workerId } = deps;
  const routes = new Map<UpstreamEngine, RouteState>();
  const active = new Set<Promise<void>>();
  const timers: NodeJS.Timeout[] = [];
  let stopping = false;
  const settleDeps: SettleDeps = { queue, clock, workerId, retentionMs: deps.retentionMs, onSettled: deps.onSettled };
  const outcomeDeps = { ...settleDeps, blobs: deps.blobs, log: deps.log };

  const stateOf = (upstream: UpstreamEngine): RouteState => {
    let state = routes.get(upstream);
    if (!state) {
      state = { upstream, budget: createRateWindow(upstream.queryPerSecond), entries: new Map(), reserved: 0, waiters: [] };
      routes.set(upstream, state);
    }
    return state;
  };

  function drop(state: RouteState, id: string): void {
    if (state.entries.delete(id)) state.waiters.shift()?.();
  }

  function background(work: Promise<void>): void {
    active.add(work);
    void work.finally(() => active.delete(work));
  }

  function tick(): void {
    const now = clock.now();
    for (const state of routes.values()) {
      const due: Entry[] = [];
      for (const entry of state.entries.values()) {
        if (entry.busy) continue;
        if (entry.deadline <= now) {
          entry.busy = true;
          background(timeOut(state, entry));
        } else if (entry.nextPollAt <= now) due.push(entry);
      }
      due.sort((a, b) => a.nextPollAt - b.nextPollAt);
      for (const entry of due) {
        const ticket = state.budget.tryTake(now);
        if (!ticket) break;
        entry.busy = true;
        background(poll(state, entry, now, ticket));
      }
    }
  }

  async function poll(state: RouteState, entry: Entry, startedAt: number, ticket: Ticket): Promise<void> {
    let keep = true;
    try {
      const answer = await state.upstream
        .query(entry.ref.id)
        .catch((err: Error) => ({ kind: 'retry' as const, retryAfterMs: undefined, throttled: false, reason: err.message }))
        .finally(() => ticket.done(clock.now()));
      if (answer.kind === 'retry') {
        if (answer.throttled) state.budget.pauseUntil(clock.now() + (answer.retryAfterMs ?? 1000));
        entry.nextPollAt = clock.now() + (answer.retryAfterMs ?? backoffMs(entry.failures++));
        deps.log.warn({ taskId: entry.task.id, upstreamTaskId: entry.ref.id, reason: answer.reason }, 'upstream query failed, will retry');
        return;
      }
      entry.failures = 0;
      if (answer.status === 'PENDING' || answer.status === 'RUNNING') {
        entry.nextPollAt = startedAt + state.upstream.pollIntervalMs;
        if (answer.status !== entry.ref.status) {
          entry.ref = { ...entry.ref, status: answer.status };
          keep = await queue.setRouting(entry.task.id, workerId, { engine: state.upstream.name, upstream: entry.ref });
        }
        return;
      }
      keep = false;
      await settleFromUpstream(outcomeDeps, state.upstream, entry.task, entry.ref, answer);
    } catch (err) {
      deps.log.error({ err, taskId: entry.task.id }, 'settling an upstream task failed');
      keep = false;
    } finally {
      entry.busy = false;
      if (!keep) drop(state, entry.task.id);
    }
  }

  async function timeOut(state: RouteState, entry: Entry): Promise<void> {
    try {
      // Best effort: a task still queued upstream should not run (and be billed) for nobody.
      await state.upstream.cancel(entry.ref.id).catch(() => false);
      await failTask(settleDeps, entry.task, TIMEOUT);
      deps.log.warn({ taskId: entry.task.id, upstreamTaskId: entry.ref.id }, 'upstream task timed out');
    } finally {
      drop(state, entry.task.id);
    }
  }

  async function heartbeat(): Promise<void> {
    const ids = [...routes.values()].flatMap((s) => [...s.entries.keys()]);
    if (ids.length === 0) return;
    const held = new Set(await queue.heartbeatMany(ids, workerId, clock.now() + deps.leaseMs));
    for (const state of routes.values()) {
      for (const [id, entry] of state.entries) {
        if (held.has(id) || entry.busy) continue;
        deps.log.info({ taskId: id, upstreamTaskId: entry.ref.id }, 'no longer holding an upstream task (cancelled or taken over)');
        drop(state, id);
      }
    }
  }

  return {
    async reserve(upstream, concurrency, signal) {
      const state = stateOf(upstream);
      const cap = concurrency ?? DEFAULT_CONCURRENCY;
      while (state.entries.size + state.reserved >= cap) {
        signal.throwIfAborted();
        await new Promise<void>((resolve) => {
          const wake = () => {
            signal.removeEventListener('abort', wake);
            resolve();
          };
          state.waiters.push(wake);
          signal.addEventListener('abort', wake, { once: true });
        });
      }
      state.reserved++;
    },
    unreserve(upstream) {
      const state = stateOf(upstream);
      state.reserved = Math.max(0, state.reserved - 1);
      state.waiters.shift()?.();
    },
    track(task, ref, upstream, timeoutMs, reserved) {
      const state = stateOf(upstream);
      if (reserved) state.reserved = Math.max(0, state.reserved - 1);
      // A resumed task is polled at once: it may have finished while nobody watched.
      state.entries.set(task.id, { task, ref, deadline: ref.submittedAt + timeoutMs, nextPollAt: clock.now(), failures: 0, busy: false });
    },
    size: () => [...routes.values()].reduce((n, s) => n + s.entries.size, 0),
    start() {
      timers.push(setInterval(tick, deps.tickMs ?? 50));
      timers.push(
        setInterval(
          () => {
            heartbeat().catch((err) => deps.log.warn({ err }, 'upstream heartbeat failed'));
          },
          Math.max(100, Math.floor(deps.leaseMs / 3)),
        ),
      );
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      for (const t of timers.splice(0)) clearInterval(t);
      await Promise.allSettled([...active]);
      for (const state of routes.values()) {
        for (const id of [...state.entries.keys()]) {
          await queue.release(id, workerId).catch((err) => deps.log.warn({ err, taskId: id }, 'handing an upstream task back failed'));
          drop(state, id);
        }
        for (const wake of state.waiters.splice(0)) wake();
      }
    },
  };
}
