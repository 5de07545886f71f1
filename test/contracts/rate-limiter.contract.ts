/**
 * The RateLimiter conformance suite (GCRA, see src/limits/rate-limiter.ts): the embedded
 * deployment's limiter (in memory) and PostgreSQL's (state.sqlite.test.ts, state.postgres.test.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RateLimiter } from '../../src/limits/rate-limiter.js';
import type { StateHarness } from './harness.js';

const T0 = 1_750_000_000_000;

export function describeRateLimiterContract(name: string, harness: StateHarness): void {
  describe(`RateLimiter contract: ${name}`, () => {
    let limiter: RateLimiter;
    beforeEach(async () => {
      limiter = (await harness.open()).limiter;
    });
    afterEach(() => harness.cleanup());

    it('admits a burst of `limit`, then refuses with the time until the next slot', async () => {
      for (let i = 0; i < 3; i++) expect(await limiter.take('k', 3, 3000, T0)).toEqual({ allowed: true, retryAfterMs: 0 });
      const refused = await limiter.take('k', 3, 3000, T0);
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterMs).toBe(1000);
      // A refusal consumes nothing: the promised moment is admitted.
      expect((await limiter.take('k', 3, 3000, T0 + 999)).allowed).toBe(false);
      expect(await limiter.take('k', 3, 3000, T0 + 1000)).toEqual({ allowed: true, retryAfterMs: 0 });
    });

    it('keeps keys apart and refills an idle key', async () => {
      expect((await limiter.take('a', 1, 1000, T0)).allowed).toBe(true);
      expect((await limiter.take('a', 1, 1000, T0)).allowed).toBe(false);
      expect((await limiter.take('b', 1, 1000, T0)).allowed).toBe(true);
      expect((await limiter.take('a', 1, 1000, T0 + 5000)).allowed).toBe(true);
    });

    it('admits no more than `limit` of many concurrent takes', async () => {
      const decisions = await Promise.all(Array.from({ length: 12 }, () => limiter.take('busy', 5, 60_000, T0)));
      expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
    });

    it('treats a limit of 0 as no limit', async () => {
      for (let i = 0; i < 5; i++) expect((await limiter.take('off', 0, 1000, T0)).allowed).toBe(true);
    });
  });
}
