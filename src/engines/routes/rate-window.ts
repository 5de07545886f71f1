/**
 * A request budget: at most `perSecond` requests in ANY window of 1000 ms *as the upstream sees
 * them*. Each of the `perSecond` slots is reused only 1000 ms after its previous request's
 * response came back (not after it was sent): the next request then arrives upstream more than a
 * second after the previous one did, whatever the network jitter, so an upstream counting per
 * second never sees the budget exceeded. (A token bucket would allow twice the budget across a
 * window edge.) `pauseUntil` holds every request back, for a 429's Retry-After: upstream rate
 * limits belong to the key, i.e. to the whole route.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** A taken slot; `done` when the response (or failure) is in. */
export interface Ticket {
  done(now: number): void;
}

export interface RateWindow {
  /** Takes a slot now if one is free. */
  tryTake(now: number): Ticket | undefined;
  /** The earliest moment a slot may be free (≤ now when one is; Infinity while all are in flight). */
  nextFreeAt(now: number): number;
  pauseUntil(until: number): void;
  /** Waits for a slot (submissions), or rejects when `signal` aborts. */
  take(signal: AbortSignal, clock?: () => number): Promise<Ticket>;
}

export function createRateWindow(perSecond: number): RateWindow {
  // Per slot: when its last request finished (Infinity while in flight). Reused oldest first.
  const finished: number[] = new Array<number>(perSecond).fill(-Infinity);
  let paused = -Infinity;
  const waiting: (() => void)[] = [];

  const freeSlot = (now: number): number => {
    let best = -1;
    for (let i = 0; i < finished.length; i++) {
      if (finished[i]! + 1000 <= now && (best < 0 || finished[i]! < finished[best]!)) best = i;
    }
    return best;
  };

  const window: RateWindow = {
    tryTake(now) {
      if (paused > now) return undefined;
      const slot = freeSlot(now);
      if (slot < 0) return undefined;
      finished[slot] = Infinity;
      let settled = false;
      return {
        done(at) {
          if (settled) return;
          settled = true;
          finished[slot] = at;
          for (const wake of waiting.splice(0)) wake();
        },
      };
    },
    nextFreeAt(now) {
      return Math.max(paused, Math.min(...finished) + 1000, now);
    },
    pauseUntil(until) {
      paused = Math.max(paused, until);
    },
    async take(signal, clock = Date.now) {
      for (;;) {
        signal.throwIfAborted();
        const now = clock();
        const ticket = window.tryTake(now);
        if (ticket) return ticket;
        const at = window.nextFreeAt(now);
        // All slots in flight: wait for one to finish (or at most a second, to re-check).
        const delay = Number.isFinite(at) ? Math.max(1, at - now) : 1000;
        await Promise.race([sleep(delay, undefined, { signal }), new Promise<void>((resolve) => waiting.push(resolve))]);
      }
    },
  };
  return window;
}
