/** The upstream request budget, on explicit clock values (no timing). */
import { describe, expect, it } from 'vitest';
import { createRateWindow } from '../../src/engines/routes/rate-window.js';

describe('request budget', () => {
  it('reuses a slot only 1 s after its previous response, never while it is in flight', () => {
    const budget = createRateWindow(3);
    const tickets = [budget.tryTake(0), budget.tryTake(0), budget.tryTake(0)];
    expect(tickets.every(Boolean)).toBe(true);
    expect(budget.tryTake(0)).toBeUndefined();
    expect(budget.nextFreeAt(0)).toBe(Infinity);
    tickets[0]!.done(100);
    expect(budget.tryTake(1099)).toBeUndefined();
    expect(budget.nextFreeAt(500)).toBe(1100);
    const again = budget.tryTake(1100);
    expect(again).toBeDefined();
    // Still in flight: the other two slots never came back.
    expect(budget.tryTake(60_000)).toBeUndefined();
    tickets[1]!.done(200);
    tickets[1]!.done(50_000); // a second done changes nothing
    expect(budget.tryTake(1200)).toBeDefined();
  });

  it('never lets N+1 requests start within one second, whatever the response times', () => {
    const budget = createRateWindow(5);
    const starts: number[] = [];
    const open: { at: number; done: (t: number) => void }[] = [];
    for (let now = 0; now < 10_000; now += 7) {
      // Responses come back 0–300 ms after their request.
      for (const o of open.splice(0)) {
        if (now - o.at >= (o.at * 13) % 300) o.done(now);
        else open.push(o);
      }
      const ticket = budget.tryTake(now);
      if (ticket) {
        starts.push(now);
        open.push({ at: now, done: (t) => ticket.done(t) });
      }
    }
    for (let i = 5; i < starts.length; i++) expect(starts[i]! - starts[i - 5]!).toBeGreaterThan(1000);
    expect(starts.length).toBeGreaterThan(20);
  });

  it('a pause (429 Retry-After) holds every slot back until it ends', () => {
    const budget = createRateWindow(10);
    budget.pauseUntil(5000);
    expect(budget.tryTake(4999)).toBeUndefined();
    expect(budget.nextFreeAt(0)).toBe(5000);
    expect(budget.tryTake(5000)).toBeDefined();
  });
});
