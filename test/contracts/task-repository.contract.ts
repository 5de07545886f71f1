/**
 * The TaskRepository conformance suite (the API's side of the tasks), run on SQLite and
 * PostgreSQL (state.sqlite.test.ts, state.postgres.test.ts). The queue seeds state where a test
 * needs a RUNNING or finished task.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TaskQueue } from '../../src/tasks/task-queue.js';
import type { TaskRepository } from '../../src/tasks/task-repository.js';
import type { StateHarness } from './harness.js';
import { newTask, T0 } from './tasks.js';

export function describeTaskRepositoryContract(name: string, harness: StateHarness): void {
  describe(`TaskRepository contract: ${name}`, () => {
    let tasks: TaskRepository;
    let queue: TaskQueue;
    beforeEach(async () => {
      ({ tasks, queue } = await harness.open());
    });
    afterEach(() => harness.cleanup());

    it('stores a task as PENDING with empty result slots', async () => {
      const task = newTask({ size: { width: 1024, height: 768 } });
      await tasks.insert(task);
      const got = await tasks.get(task.id);
      expect(got).toMatchObject({ ...task, status: 'PENDING', attempts: 0, results: [null, null] });
      expect(await tasks.get('nope')).toBeUndefined();
    });

    it('cancels only PENDING tasks of the same workspace', async () => {
      const a = newTask();
      const b = newTask();
      await tasks.insert(a);
      await tasks.insert(b);
      expect(await tasks.cancel(a.id, 'ws-other', T0)).toBe(false);
      expect(await tasks.cancel(a.id, 'ws-a', T0 + 5)).toBe(true);
      expect(await tasks.get(a.id)).toMatchObject({ status: 'CANCELED', endTime: T0 + 5 });
      expect(await tasks.cancel(a.id, 'ws-a', T0)).toBe(false);
      const claimed = await queue.claim('w', T0, T0 + 100, 5);
      expect(claimed?.id).toBe(b.id);
      expect(await tasks.cancel(b.id, 'ws-a', T0)).toBe(false);
    });

    it('lists a workspace newest first with filters and paging', async () => {
      for (let i = 0; i < 5; i++) await tasks.insert(newTask({ submitTime: T0 + i, model: i % 2 ? 'odd' : 'even' }));
      await tasks.insert(newTask({ workspaceId: 'ws-b', submitTime: T0 + 2 }));
      await tasks.insert(newTask({ submitTime: T0 + 3, expiresAt: T0 }));
      const base = { workspaceId: 'ws-a', from: T0, to: T0 + 10, now: T0 + 1, offset: 0, limit: 10 };
      const all = await tasks.list(base);
      expect(all.total).toBe(5);
      expect(all.items.map((t) => t.submitTime)).toEqual([T0 + 4, T0 + 3, T0 + 2, T0 + 1, T0]);
      expect((await tasks.list({ ...base, model: 'odd' })).total).toBe(2);
      expect((await tasks.list({ ...base, status: 'RUNNING' })).total).toBe(0);
      expect((await tasks.list({ ...base, from: T0 + 1, to: T0 + 2 })).total).toBe(2);
      const page2 = await tasks.list({ ...base, offset: 2, limit: 2 });
      expect(page2.total).toBe(5);
      expect(page2.items.map((t) => t.submitTime)).toEqual([T0 + 2, T0 + 1]);
      const one = all.items[0]!;
      expect((await tasks.list({ ...base, taskId: one.id })).items.map((t) => t.id)).toEqual([one.id]);
    });

    it('deletes expired tasks in batches and returns them', async () => {
      const old = newTask({ expiresAt: T0 + 10 });
      const fresh = newTask({ expiresAt: T0 + 1000 });
      await tasks.insert(old);
      await tasks.insert(fresh);
      const deleted = await tasks.deleteExpired(T0 + 10, 100);
      expect(deleted.map((t) => t.id)).toEqual([old.id]);
      expect(await tasks.get(old.id)).toBeUndefined();
      expect(await tasks.get(fresh.id)).toBeDefined();
    });

    it('stamps a higher revision on every change of state or result, and none on a heartbeat', async () => {
      const task = newTask();
      await tasks.insert(task);
      const revisions = [(await tasks.get(task.id))!.revision];
      await queue.claim('w1', T0, T0 + 100, 10);
      revisions.push((await tasks.get(task.id))!.revision);
      await queue.heartbeat(task.id, 'w1', T0 + 200);
      expect((await tasks.get(task.id))!.revision).toBe(revisions.at(-1));
      await queue.recordResult(task.id, 'w1', 0, { ok: true, blobKey: 'k0' });
      revisions.push((await tasks.get(task.id))!.revision);
      await queue.settle(task.id, 'w1', { status: 'SUCCEEDED', endTime: T0 + 300, expiresAt: T0 + 5000 });
      revisions.push((await tasks.get(task.id))!.revision);
      expect(revisions[0]).toBeGreaterThan(0);
      for (let i = 1; i < revisions.length; i++) expect(revisions[i]).toBeGreaterThan(revisions[i - 1]!);
      // Another task's change is later still: ids across a workspace grow too.
      const other = newTask();
      await tasks.insert(other);
      expect((await tasks.get(other.id))!.revision).toBeGreaterThan(revisions.at(-1)!);
      const since = await tasks.changedSince('ws-a', revisions[1]!, T0, 10);
      expect(since.map((t) => t.id)).toEqual([task.id, other.id]);
      expect(await tasks.changedSince('ws-b', 0, T0, 10)).toEqual([]);
    });

    it('binds an idempotency key to one task: twins get the first, expired keys are replaced and reaped', async () => {
      const claim = { key: 'k1', fingerprint: 'f1', createdAt: T0, expiresAt: T0 + 1000 };
      const first = newTask();
      expect(await tasks.insertIdempotent(first, claim)).toEqual({ created: true });
      const twins = await Promise.all(Array.from({ length: 10 }, () => tasks.insertIdempotent(newTask(), { ...claim, fingerprint: 'f2' })));
      expect(twins).toEqual(Array(10).fill({ created: false, taskId: first.id, fingerprint: 'f1' }));
      expect((await tasks.list({ workspaceId: 'ws-a', from: 0, to: T0 + 1, now: T0, offset: 0, limit: 50 })).total).toBe(1);
      expect(await tasks.findIdempotencyKey('ws-a', 'k1', T0 + 999)).toEqual({ taskId: first.id, fingerprint: 'f1' });
      expect(await tasks.findIdempotencyKey('ws-a', 'k1', T0 + 1000)).toBeUndefined();
      expect(await tasks.findIdempotencyKey('ws-b', 'k1', T0)).toBeUndefined();
      // Another workspace may use the same key.
      expect(await tasks.insertIdempotent(newTask({ workspaceId: 'ws-b' }), claim)).toEqual({ created: true });
      // Once expired, the key makes a new task.
      const later = newTask();
      expect(await tasks.insertIdempotent(later, { ...claim, createdAt: T0 + 1000, expiresAt: T0 + 2000 })).toEqual({ created: true });
      expect(await tasks.findIdempotencyKey('ws-a', 'k1', T0 + 1500)).toEqual({ taskId: later.id, fingerprint: 'f1' });
      expect(await tasks.deleteExpiredIdempotencyKeys(T0 + 1000, 100)).toBe(1);
      expect(await tasks.deleteExpiredIdempotencyKeys(T0 + 2000, 100)).toBe(1);
      expect(await tasks.findIdempotencyKey('ws-a', 'k1', T0)).toBeUndefined();
    });

    it('counts live tasks by state, and sums usage per workspace and UTC day', async () => {
      const day = Date.UTC(2025, 5, 15, 12);
      const a = newTask({ submitTime: day, expiresAt: day + 1e9 });
      const b = newTask({ submitTime: day + 1, expiresAt: day + 1e9, n: 1 });
      const other = newTask({ workspaceId: 'ws-b', submitTime: day + 86_400_000, expiresAt: day + 1e9 });
      const gone = newTask({ submitTime: day + 2, expiresAt: day + 10 });
      for (const t of [a, b, other, gone]) await tasks.insert(t);
      const claimed = await queue.claim('w1', day + 100, day + 1000, 5);
      expect(claimed!.id).toBe(a.id);
      await queue.recordResult(a.id, 'w1', 0, { ok: true, blobKey: 'k0' });
      await queue.recordResult(a.id, 'w1', 1, { ok: false, code: 'X', message: 'y' });
      await queue.settle(a.id, 'w1', { status: 'SUCCEEDED', endTime: day + 200, expiresAt: day + 1e9 });
      await tasks.cancel(b.id, 'ws-a', day + 300);

      expect(await tasks.countByStatus(day + 100)).toEqual({ SUCCEEDED: 1, CANCELED: 1, PENDING: 1 });
      expect(await tasks.usage({ from: day - 1, to: day + 2 * 86_400_000 })).toEqual([
        { workspaceId: 'ws-a', day: '2025-06-15', tasks: 3, succeeded: 1, failed: 0, canceled: 1, images: 1 },
        { workspaceId: 'ws-b', day: '2025-06-16', tasks: 1, succeeded: 0, failed: 0, canceled: 0, images: 0 },
      ]);
      expect(await tasks.usage({ from: day - 1, to: day + 2 * 86_400_000, workspaceId: 'ws-b' })).toHaveLength(1);
    });
  });
}
