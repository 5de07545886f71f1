/**
 * The RateLimiter port: "may this caller do one more request of this kind now?".
 *
 * Contract for adapters (memory/ for one process, postgres/ shared by every node; checked by
 * test/contracts/rate-limiter.contract.ts on both):
 * - `take(key, limit, windowMs, now)` admits at most `limit` requests per `windowMs` for `key`,
 *   with bursts up to `limit` (a client that was idle may send `limit` requests at once);
 * - a refused request consumes nothing, and its `retryAfterMs` (> 0) is the earliest moment,
 *   relative to `now`, at which the same call would be admitted;
 * - `now` is passed in (epoch ms), so tests drive the clock; adapters never read the time;
 * - keys are opaque (e.g. "submit:<workspace>"); memory stays bounded by the number of keys
 *   seen within one window.
 *
 * The algorithm is GCRA (the "generic cell rate algorithm", a token bucket kept as one number
 * per key: the theoretical arrival time of the next request). One number per key is what a
 * PostgreSQL adapter can update in a single `INSERT … ON CONFLICT DO UPDATE … RETURNING`.
 */
export interface RateDecision {
  readonly allowed: boolean;
  /** 0 when allowed. */
  readonly retryAfterMs: number;
}

export interface RateLimiter {
  take(key: string, limit: number, windowMs: number, now: number): Promise<RateDecision>;
}

/**
 * GCRA step, shared by adapters: given the stored theoretical arrival time (`tat`, or undefined
 * for a new key) returns the decision and the value to store (unchanged when refused).
 */
export function gcra(tat: number | undefined, limit: number, windowMs: number, now: number): RateDecision & { tat: number } {
  const interval = windowMs / limit;
  const next = Math.max(tat ?? now, now) + interval;
  // The bucket holds `limit` cells: admitted while the schedule runs at most one window ahead.
  const ahead = next - now - windowMs;
  if (ahead > 0) return { allowed: false, retryAfterMs: Math.ceil(ahead), tat: tat ?? now };
  return { allowed: true, retryAfterMs: 0, tat: next };
}
