/**
 * A sliding one-second window of request times: at most `perSecond` requests start in ANY
 * window of 1000 ms (a token bucket would allow a burst of twice that across a window edge,
 * which an upstream counting per second would refuse). `pauseUntil` holds every request back,
 * for a 429's Retry-After: upstream rate limits belong to the key, i.e. to the whole route.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface RateWindow {
  /** Takes a slot now if one is free. */
  tryTake(now: number): boolean;
  /** The earliest moment a slot may be free (≤ now when one is). */
  nextFreeAt(now: number): number;
  pauseUntil(until: number): void;
  /** Waits for a slot (submissions), or rejects when `signal` aborts. */
  take(signal: AbortSignal, clock?: () => number): Promise<void>;
}

export function createRateWindow(perSecond: number): RateWindow {
  // Start times of the last `perSecond` requests, oldest first (a ring).
  const starts: number[] = new Array<number>(perSecond).fill(-Infinity);
  let head = 0;
  let paused = -Infinity;
  const nextFreeAt = (now: number) => Math.max(paused, starts[head]! + 1000, now);
  const window: RateWindow = {
    tryTake(now) {
      if (nextFreeAt(now) > now) return false;
      starts[head] = now;
      head = (head + 1) % perSecond;
      return true;
    },
    nextFreeAt,
    pauseUntil(until) {
      paused = Math.max(paused, until);
    },
    async take(signal, clock = Date.now) {
      for (;;) {
        signal.throwIfAborted();
        const now = clock();
        if (window.tryTake(now)) return;
        await sleep(Math.max(1, nextFreeAt(now) - now), undefined, { signal });
      }
    },
  };
  return window;
}
