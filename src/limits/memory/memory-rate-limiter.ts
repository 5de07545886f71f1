/** RateLimiter for one process (the embedded deployment): the GCRA state in a Map. */
import { gcra, type RateLimiter } from '../rate-limiter.js';

/** A limiter for one process. Entries whose bucket is full again are swept as the map grows. */
export function createMemoryRateLimiter(options: { sweepAt?: number } = {}): RateLimiter {
  const sweepAt = options.sweepAt ?? 10_000;
  const tats = new Map<string, number>();

  function sweep(now: number): void {
    // A key whose TAT lies in the past behaves exactly like an unseen key: drop it.
    for (const [key, tat] of tats) if (tat <= now) tats.delete(key);
  }

  return {
    async take(key, limit, windowMs, now) {
      if (!(limit > 0) || !(windowMs > 0)) return { allowed: true, retryAfterMs: 0 };
      const decision = gcra(tats.get(key), limit, windowMs, now);
      if (decision.allowed) {
        tats.set(key, decision.tat);
        if (tats.size > sweepAt) sweep(now);
      }
      return { allowed: decision.allowed, retryAfterMs: decision.retryAfterMs };
    },
  };
}
