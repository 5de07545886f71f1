/**
 * The TaskStore conformance suite: every adapter runs these same tests
 * (task-store.sqlite.test.ts, task-store.postgres.test.ts).
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewTask, TaskStore } from '../../src/tasks/task-store.js';

export interface StoreHarness {
  /** A fresh, empty store. */
  open(): Promise<TaskStore>;
  /** Drops whatever `open` made. */
  cleanup(): Promise<void>;
}

const T0 = 1_750_000_000_000;

export function newTask(overrides: Partial<NewTask> = {}): NewTask {
  return {
    id: randomUUID(),
    workspaceId: 'ws-a',
    apiKeyId: 'key-1',
    requestId: randomUUID(),
    model: 'm',
    prompt: 'p',
    negativePrompt: '',
    n: 2,
    size: undefined,
    seed: 42,
    promptExtend: true,
    watermark: false,
    inputKeys: ['ws-a/inputs/x/0.png'],
    submitTime: T0,
    expiresAt: T0 + 86_400_000,
    ...overrides,
  };
}

const FAILURE = { code: 'InternalError.Interrupted', message: 'gone', expiresAt: T0 + 1e9 };

export function describeTaskStoreContract(name: string, harness: StoreHarness): void {
  describe(`TaskStore contract: ${name}`, () => {
    let store: TaskStore;
    beforeEach(async () => {
      store = await harness.open();
    });
    afterEach(async () => {
      await store.close();
      await harness.cleanup();
    });

    it('stores a task as PENDING with empty result slots', async () => {
      const task = newTask({ size: { width: 1024, height: 768 } });
      await store.insert(task);
      const got = await store.get(task.id);
      expect(got).toMatchObject({ ...task, status: 'PENDING', attempts: 0, results: [null, null] });
      expect(await store.get('nope')).toBeUndefined();
    });

    it('claims in submission order, once, with a lease', async () => {
      const older = newTask({ submitTime: T0 });
      const newer = newTask({ submitTime: T0 + 1 });
      await store.insert(newer);
      await store.insert(older);
      const first = await store.claim('w1', T0 + 10, T0 + 1000, 5);
      expect(first).toMatchObject({ id: older.id, status: 'RUNNING', attempts: 1, scheduledTime: T0 + 10 });
      const second = await store.claim('w2', T0 + 10, T0 + 1000, 5);
      expect(second?.id).toBe(newer.id);
      expect(await store.claim('w3', T0 + 10, T0 + 1000, 5)).toBeUndefined();
    });

    it('never hands one task to two concurrent claimers', async () => {
      const tasks = Array.from({ length: 20 }, (_, i) => newTask({ submitTime: T0 + i, workspaceId: `ws-${i}` }));
      for (const t of tasks) await store.insert(t);
      const claims = await Promise.all(Array.from({ length: 40 }, (_, i) => store.claim(`w${i}`, T0, T0 + 1000, 5)));
      const ids = claims.filter(Boolean).map((t) => t!.id);
      expect(ids).toHaveLength(20);
      expect(new Set(ids).size).toBe(20);
    });

    it('keeps a workspace under its running cap; other workspaces still run (round-robin between them)', async () => {
      for (let i = 0; i < 3; i++) await store.insert(newTask({ submitTime: T0 + i }));
      await store.insert(newTask({ submitTime: T0 + 10, workspaceId: 'ws-b' }));
      const a1 = await store.claim('w', T0, T0 + 1000, 2);
      const b1 = await store.claim('w', T0, T0 + 1000, 2);
      const a2 = await store.claim('w', T0, T0 + 1000, 2);
      expect([a1?.workspaceId, b1?.workspaceId, a2?.workspaceId]).toEqual(['ws-a', 'ws-b', 'ws-a']);
      expect(await store.claim('w', T0, T0 + 1000, 2)).toBeUndefined();
      await store.settle(a1!.id, 'w', { status: 'SUCCEEDED', endTime: T0, expiresAt: T0 + 1e9 });
      expect((await store.claim('w', T0, T0 + 1000, 2))?.workspaceId).toBe('ws-a');
    });

    it('records results and settles only under the lease', async () => {
      const task = newTask();
      await store.insert(task);
      await store.claim('w1', T0, T0 + 1000, 5);
      expect(await store.recordResult(task.id, 'w1', 1, { ok: false, code: 'C', message: 'M' })).toBe(true);
      expect(await store.recordResult(task.id, 'intruder', 0, { ok: true, blobKey: 'x' })).toBe(false);
      expect(await store.recordResult(task.id, 'w1', 0, { ok: true, blobKey: 'k0', actualPrompt: 'ap' })).toBe(true);
      expect(await store.heartbeat(task.id, 'w1', T0 + 5000)).toBe(true);
      expect(await store.heartbeat(task.id, 'intruder', T0 + 5000)).toBe(false);
      expect(await store.settle(task.id, 'intruder', { status: 'SUCCEEDED', endTime: T0, expiresAt: T0 })).toBe(false);
      expect(await store.settle(task.id, 'w1', { status: 'SUCCEEDED', endTime: T0 + 50, expiresAt: T0 + 999 })).toBe(true);
      const got = await store.get(task.id);
      expect(got).toMatchObject({
        status: 'SUCCEEDED',
        endTime: T0 + 50,
        expiresAt: T0 + 999,
        results: [
          { ok: true, blobKey: 'k0', actualPrompt: 'ap' },
          { ok: false, code: 'C', message: 'M' },
        ],
      });
      expect(await store.settle(task.id, 'w1', { status: 'FAILED', endTime: T0, expiresAt: T0 })).toBe(false);
    });

    it('cancels only PENDING tasks of the same workspace', async () => {
      const a = newTask();
      const b = newTask();
      await store.insert(a);
      await store.insert(b);
      expect(await store.cancel(a.id, 'ws-other', T0)).toBe(false);
      expect(await store.cancel(a.id, 'ws-a', T0 + 5)).toBe(true);
      expect(await store.get(a.id)).toMatchObject({ status: 'CANCELED', endTime: T0 + 5 });
      expect(await store.cancel(a.id, 'ws-a', T0)).toBe(false);
      const claimed = await store.claim('w', T0, T0 + 100, 5);
      expect(claimed?.id).toBe(b.id);
      expect(await store.cancel(b.id, 'ws-a', T0)).toBe(false);
    });

    it('hands a released task back without counting the attempt', async () => {
      const task = newTask();
      await store.insert(task);
      await store.claim('w1', T0, T0 + 1000, 5);
      expect(await store.release(task.id, 'w1')).toBe(true);
      expect(await store.get(task.id)).toMatchObject({ status: 'PENDING', attempts: 0 });
      expect(await store.release(task.id, 'w1')).toBe(false);
    });

    it('requeues expired leases, and fails them after maxAttempts', async () => {
      const task = newTask();
      await store.insert(task);
      await store.claim('w1', T0, T0 + 100, 5);
      expect(await store.recoverExpired(T0 + 50, 2, FAILURE)).toEqual({ requeued: [], failed: [] });
      expect(await store.recoverExpired(T0 + 101, 2, FAILURE)).toEqual({ requeued: [task.id], failed: [] });
      expect(await store.heartbeat(task.id, 'w1', T0 + 5000)).toBe(false);
      await store.claim('w2', T0 + 200, T0 + 300, 5);
      expect(await store.recoverExpired(T0 + 301, 2, FAILURE)).toEqual({ requeued: [], failed: [task.id] });
      expect(await store.get(task.id)).toMatchObject({ status: 'FAILED', code: FAILURE.code, endTime: T0 + 301, attempts: 2 });
    });

    it('lists a workspace newest first with filters and paging', async () => {
      for (let i = 0; i < 5; i++) await store.insert(newTask({ submitTime: T0 + i, model: i % 2 ? 'odd' : 'even' }));
      await store.insert(newTask({ workspaceId: 'ws-b', submitTime: T0 + 2 }));
      await store.insert(newTask({ submitTime: T0 + 3, expiresAt: T0 }));
      const base = { workspaceId: 'ws-a', from: T0, to: T0 + 10, now: T0 + 1, offset: 0, limit: 10 };
      const all = await store.list(base);
      expect(all.total).toBe(5);
      expect(all.items.map((t) => t.submitTime)).toEqual([T0 + 4, T0 + 3, T0 + 2, T0 + 1, T0]);
      expect((await store.list({ ...base, model: 'odd' })).total).toBe(2);
      expect((await store.list({ ...base, status: 'RUNNING' })).total).toBe(0);
      expect((await store.list({ ...base, from: T0 + 1, to: T0 + 2 })).total).toBe(2);
      const page2 = await store.list({ ...base, offset: 2, limit: 2 });
      expect(page2.total).toBe(5);
      expect(page2.items.map((t) => t.submitTime)).toEqual([T0 + 2, T0 + 1]);
      const one = all.items[0]!;
      expect((await store.list({ ...base, taskId: one.id })).items.map((t) => t.id)).toEqual([one.id]);
    });

    it('deletes expired tasks in batches and returns them', async () => {
      const old = newTask({ expiresAt: T0 + 10 });
      const fresh = newTask({ expiresAt: T0 + 1000 });
      await store.insert(old);
      await store.insert(fresh);
      const deleted = await store.deleteExpired(T0 + 10, 100);
      expect(deleted.map((t) => t.id)).toEqual([old.id]);
      expect(await store.get(old.id)).toBeUndefined();
      expect(await store.get(fresh.id)).toBeDefined();
    });

    it('stamps a higher revision on every change of state or result, and none on a heartbeat', async () => {
      const task = newTask();
      await store.insert(task);
      const revisions = [(await store.get(task.id))!.revision];
      await store.claim('w1', T0, T0 + 100, 10);
      revisions.push((await store.get(task.id))!.revision);
      await store.heartbeat(task.id, 'w1', T0 + 200);
      expect((await store.get(task.id))!.revision).toBe(revisions.at(-1));
      await store.recordResult(task.id, 'w1', 0, { ok: true, blobKey: 'k0' });
      revisions.push((await store.get(task.id))!.revision);
      await store.settle(task.id, 'w1', { status: 'SUCCEEDED', endTime: T0 + 300, expiresAt: T0 + 5000 });
      revisions.push((await store.get(task.id))!.revision);
      expect(revisions[0]).toBeGreaterThan(0);
      for (let i = 1; i < revisions.length; i++) expect(revisions[i]).toBeGreaterThan(revisions[i - 1]!);
      // Another task's change is later still: ids across a workspace grow too.
      const other = newTask();
      await store.insert(other);
      expect((await store.get(other.id))!.revision).toBeGreaterThan(revisions.at(-1)!);
      const since = await store.changedSince('ws-a', revisions[1]!, T0, 10);
      expect(since.map((t) => t.id)).toEqual([task.id, other.id]);
      expect(await store.changedSince('ws-b', 0, T0, 10)).toEqual([]);
    });

    it('binds an idempotency key to one task: twins get the first, expired keys are replaced and reaped', async () => {
      const claim = { key: 'k1', fingerprint: 'f1', createdAt: T0, expiresAt: T0 + 1000 };
      const first = newTask();
      expect(await store.insertIdempotent(first, claim)).toEqual({ created: true });
      const twins = await Promise.all(Array.from({ length: 10 }, () => store.insertIdempotent(newTask(), { ...claim, fingerprint: 'f2' })));
      expect(twins).toEqual(Array(10).fill({ created: false, taskId: first.id, fingerprint: 'f1' }));
      expect((await store.list({ workspaceId: 'ws-a', from: 0, to: T0 + 1, now: T0, offset: 0, limit: 50 })).total).toBe(1);
      expect(await store.findIdempotencyKey('ws-a', 'k1', T0 + 999)).toEqual({ taskId: first.id, fingerprint: 'f1' });
      expect(await store.findIdempotencyKey('ws-a', 'k1', T0 + 1000)).toBeUndefined();
      expect(await store.findIdempotencyKey('ws-b', 'k1', T0)).toBeUndefined();
      // Another workspace may use the same key.
      expect(await store.insertIdempotent(newTask({ workspaceId: 'ws-b' }), claim)).toEqual({ created: true });
      // Once expired, the key makes a new task.
      const later = newTask();
      expect(await store.insertIdempotent(later, { ...claim, createdAt: T0 + 1000, expiresAt: T0 + 2000 })).toEqual({ created: true });
      expect(await store.findIdempotencyKey('ws-a', 'k1', T0 + 1500)).toEqual({ taskId: later.id, fingerprint: 'f1' });
      expect(await store.deleteExpiredIdempotencyKeys(T0 + 1000, 100)).toBe(1);
      expect(await store.deleteExpiredIdempotencyKeys(T0 + 2000, 100)).toBe(1);
      expect(await store.findIdempotencyKey('ws-a', 'k1', T0)).toBeUndefined();
    });
  });
}
