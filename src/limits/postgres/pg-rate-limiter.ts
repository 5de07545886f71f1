/**
 * RateLimiter on the shared PostgreSQL database, so that a workspace's limits hold across all
 * API nodes. The GCRA step of ../rate-limiter.ts, done by the database in one atomic upsert: the
 * row's TAT only moves when the request is admitted (the conditional DO UPDATE), and a refused
 * request, which gets no row back, reads the TAT to say when to retry.
 *
 * Rows of keys that went idle (TAT in the past, which behaves exactly like a missing row) are
 * swept now and then, so the table stays as small as the set of recently active keys.
 */
import type { PgPool } from '../../db/postgres/database.js';
import { prepared, runPrepared } from '../../db/postgres/prepared.js';
import type { RateLimiter } from '../rate-limiter.js';

const SWEEP_EVERY_MS = 60_000;

// $2 = now, $3 = interval, $4 = window: admitted while the schedule stays within one window.
const ADMIT = prepared(`INSERT INTO rate_limits AS r (key, tat) VALUES ($1, $2::float8 + $3::float8)
  ON CONFLICT (key) DO UPDATE SET tat = greatest(r.tat, $2::float8) + $3::float8
    WHERE greatest(r.tat, $2::float8) + $3::float8 - $2::float8 <= $4::float8
  RETURNING tat`);
const TAT = prepared('SELECT tat FROM rate_limits WHERE key = $1');

export function createPostgresRateLimiter(pool: PgPool): RateLimiter {
  let lastSweep = 0;

  return {
    async take(key, limit, windowMs, now) {
      if (!(limit > 0) || !(windowMs > 0)) return { allowed: true, retryAfterMs: 0 };
      const interval = windowMs / limit;
      if (now - lastSweep > SWEEP_EVERY_MS) {
        lastSweep = now;
        pool.query('DELETE FROM rate_limits WHERE tat <= $1', [now]).catch(() => undefined);
      }
      const admitted = await runPrepared(pool, ADMIT, [key, now, interval, windowMs]);
      if (admitted.rowCount === 1) return { allowed: true, retryAfterMs: 0 };
      const { rows } = await runPrepared<{ tat: number }>(pool, TAT, [key]);
      const tat = rows[0]?.tat ?? now;
      const ahead = Math.max(tat, now) + interval - now - windowMs;
      return { allowed: false, retryAfterMs: Math.max(1, Math.ceil(ahead)) };
    },
  };
}
