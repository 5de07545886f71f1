/** The retry schedule: settings parsed and refused like every setting, and the jittered delays. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { nextDelay } from '../../src/webhooks/dispatcher.js';

describe('webhook settings', () => {
  it('defaults to about 1 h 45 min of retries', () => {
    const { webhooks } = loadConfig({});
    expect(webhooks.retrySchedule).toEqual([5000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000]);
    expect(webhooks.retrySchedule.reduce((a, b) => a + b, 0)).toBe(6_155_000);
    expect(webhooks.timeoutMs).toBe(10_000);
    expect(webhooks.allow).toEqual([]);
  });

  it.each([
    ['RETOUCH_WEBHOOK_RETRY_SCHEDULE', '5s,soon'],
    ['RETOUCH_WEBHOOK_TIMEOUT', 'forever'],
    ['RETOUCH_WEBHOOK_ALLOW', '10.0.0.0/33'],
    ['RETOUCH_WEBHOOK_CONCURRENCY', '0'],
  ])('refuses %s=%s naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });
});

describe('nextDelay', () => {
  it('stays within ±jitter of the step and ends after the last step', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3_600_000 }), { minLength: 1, maxLength: 8 }),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        (schedule, r) => {
          for (let k = 1; k <= schedule.length; k++) {
            const d = nextDelay(schedule, k, 0.2, () => r)!;
            expect(d).toBeGreaterThanOrEqual(Math.floor(schedule[k - 1]! * 0.8));
            expect(d).toBeLessThanOrEqual(Math.ceil(schedule[k - 1]! * 1.2));
          }
          expect(nextDelay(schedule, schedule.length + 1, 0.2, () => r)).toBeUndefined();
        },
      ),
    );
  });
});
