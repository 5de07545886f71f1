/**
 * The dispatcher: claims due deliveries from the outbox (WebhookStore), signs each with
 * Standard Webhooks (`standardwebhooks`), posts it (sender.ts) and records the attempt.
 *
 * Retries: after failed attempt k the next one is due `schedule[k-1]` later, ±`jitter` (so
 * receivers coming back up are not hit by every sender at once); after the last step the
 * delivery is `failed`. The default schedule (5 s, 30 s, 2 min, 10 min, 30 min, 1 h) keeps
 * trying for about 1 h 45 min.
 *
 * Exactly one id per delivery, ever: the id was drawn when the delivery was enqueued, and the
 * payload is fixed at the first attempt; each attempt gets a fresh `webhook-timestamp` and
 * signature (receivers reject stale timestamps). A dispatcher that dies mid-attempt leaves its
 * lock to expire (attempt timeout + margin) and any node resends the same id, so delivery is
 * at-least-once and receivers deduplicate on `webhook-id`.
 *
 * Up to `concurrency` attempts run at once, each bounded by the attempt timeout, and a slot is
 * refilled as soon as it frees: one slow receiver holds one slot, not the whole batch.
 */
import { Webhook } from 'standardwebhooks';
import type { Clock } from '../tasks/task-service.js';
import type { AttemptResult, SendOutcome } from './sender.js';
import type { ClaimedDelivery, DeliveryState, WebhookStore } from './webhook-store.js';

export interface DispatcherSettings {
  readonly pollMs: number;
  readonly timeoutMs: number;
  readonly schedule: readonly number[];
  readonly jitter: number;
  readonly concurrency: number;
  /** Finished deliveries (and their attempts) are deleted after this long. */
  readonly logRetentionMs: number;
}

export interface DispatcherMetrics {
  attempt(result: AttemptResult, seconds: number): void;
  finished(state: DeliveryState): void;
}

export interface DispatcherDeps {
  readonly store: WebhookStore;
  /** The envelope JSON for a delivery that has no payload yet (a task event). */
  readonly render: (delivery: ClaimedDelivery) => Promise<string>;
  readonly send: (url: string, body: string, headers: Record<string, string>) => Promise<SendOutcome>;
  readonly clock: Clock;
  readonly dispatcherId: string;
  readonly settings: DispatcherSettings;
  readonly random?: () => number;
  readonly metrics?: DispatcherMetrics;
  readonly log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

export interface Dispatcher {
  start(): void;
  /** New deliveries may be due (a task settled here or on another node). */
  wake(): void;
  /** Stops claiming and waits for attempts in flight (each bounded by the attempt timeout). */
  stop(): Promise<void>;
}

/**
 * Lock = attempt timeout + margin, so a live dispatcher always records its attempt before its
 * lock expires (the attempt is cut at the timeout; recording takes a query). A dead one's
 * deliveries are resent that long after it died.
 */
const lockMarginMs = (timeoutMs: number) => Math.max(5000, timeoutMs);
const SWEEP_EVERY_MS = 10 * 60_000;

export function nextDelay(schedule: readonly number[], failedAttempts: number, jitter: number, random: () => number): number | undefined {
  const base = schedule[failedAttempts - 1];
  if (base === undefined) return undefined;
  return Math.max(0, Math.round(base * (1 + jitter * (2 * random() - 1))));
}

export function createDispatcher(deps: DispatcherDeps): Dispatcher {
  const { store, clock, settings } = deps;
  const random = deps.random ?? Math.random;
  const inFlight = new Set<Promise<void>>();
  let stopping = false;
  let loop: Promise<void> | undefined;
  let wakeUp: (() => void) | undefined;
  let woken = false;
  let lastSweep = 0;

  function wake(): void {
    woken = true;
    wakeUp?.();
  }

  function idle(ms: number): Promise<void> {
    if (woken) {
      woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = undefined;
        woken = false;
        resolve();
      }
      wakeUp = done;
    });
  }

  async function attempt(d: ClaimedDelivery): Promise<void> {
    const number = d.attempts + 1;
    let payload = d.payload;
    try {
      payload ??= await deps.render(d);
    } catch (err) {
      deps.log.error({ err, deliveryId: d.id, taskId: d.taskId }, 'rendering a webhook payload failed');
      return; // the lock expires and a later claim tries again
    }
    const startedAt = clock.now();
    let outcome: SendOutcome;
    if (d.secret === '') {
      outcome = { result: 'network', error: 'no signing secret for this delivery', durationMs: 0 };
    } else {
      const headers = {
        'webhook-id': d.id,
        'webhook-timestamp': String(Math.floor(startedAt / 1000)),
        'webhook-signature': new Webhook(d.secret).sign(d.id, new Date(startedAt), payload),
      };
      outcome = await deps.send(d.url, payload, headers);
    }
    deps.metrics?.attempt(outcome.result, outcome.durationMs / 1000);
    const delay = outcome.result === 'success' ? undefined : nextDelay(settings.schedule, number, settings.jitter, random);
    const state: DeliveryState = outcome.result === 'success' ? 'delivered' : delay === undefined ? 'failed' : 'pending';
    const recorded = await store.finishAttempt(d.id, deps.dispatcherId, {
      attempt: { attempt: number, startedAt, durationMs: outcome.durationMs, status: outcome.status, error: outcome.error },
      payload,
      state,
      nextAttemptAt: clock.now() + (delay ?? 0),
    });
    if (recorded && state !== 'pending') deps.metrics?.finished(state);
    if (!recorded) deps.log.warn({ deliveryId: d.id }, 'webhook delivery lock lost during an attempt');
  }

  async function sweep(now: number): Promise<void> {
    if (now - lastSweep < SWEEP_EVERY_MS) return;
    lastSweep = now;
    await store.sweep(now - settings.logRetentionMs);
  }

  async function run(): Promise<void> {
    while (!stopping) {
      const free = settings.concurrency - inFlight.size;
      let claimed: ClaimedDelivery[] = [];
      if (free > 0) {
        try {
          const now = clock.now();
          await sweep(now);
          claimed = await store.claimDue(deps.dispatcherId, now, now + settings.timeoutMs + lockMarginMs(settings.timeoutMs), free);
        } catch (err) {
          deps.log.error({ err }, 'claiming webhook deliveries failed');
        }
      }
      for (const d of claimed) {
        const p: Promise<void> = attempt(d)
          .catch((err) => deps.log.error({ err, deliveryId: d.id }, 'a webhook attempt failed'))
          .finally(() => {
            inFlight.delete(p);
            wake();
          });
        inFlight.add(p);
      }
      // A full batch may mean more are due: look again at once.
      if (claimed.length > 0 && claimed.length === free) continue;
      await idle(settings.pollMs);
    }
  }

  return {
    start() {
      loop ??= run();
    },
    wake,
    async stop() {
      stopping = true;
      wake();
      await loop;
      await Promise.all([...inFlight]);
    },
  };
}
