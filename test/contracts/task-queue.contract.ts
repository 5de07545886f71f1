/**
 * The TaskQueue conformance suite (the worker's side of the tasks), run on SQLite and
 * PostgreSQL (state.sqlite.test.ts, state.postgres.test.ts). Tasks are created through the
 * repository, as the API creates them.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TaskQueue } from '../../src/tasks/task-queue.js';
import type { TaskRepository } from '../../src/tasks/task-repository.js';
import type { StateHarness } from './harness.js';
import { newTask, T0 } from './tasks.js';

const FAILURE = { code: 'InternalError.Interrupted', message: 'gone', expiresAt: T0 + 1e9 };

export function describeTaskQueueContract(name: string, harness: StateHarness): void {
  describe(`TaskQueue contract: ${name}`, () => {
    let tasks: TaskRepository;
    let queue: TaskQueue;
    beforeEach(async () => {
      ({ tasks, queue } = await harness.open());
    });
    afterEach(() => harness.cleanup());

    it('claims in submission order, once, with a lease', async () => {
      const older = newTask({ submitTime: T0 });
      const newer = newTask({ submitTime: T0 + 1 });
      await tasks.insert(newer);
      await tasks.insert(older);
      const first = await queue.claim('w1', T0 + 10, T0 + 1000, 5);
      expect(first).toMatchObject({ id: older.id, status: 'RUNNING', attempts: 1, scheduledTime: T0 + 10 });
      const second = await queue.claim('w2', T0 + 10, T0 + 1000, 5);
      expect(second?.id).toBe(newer.id);
      expect(await queue.claim('w3', T0 + 10, T0 + 1000, 5)).toBeUndefined();
    });

    it('never hands one task to two concurrent claimers', async () => {
      const many = Array.from({ length: 20 }, (_, i) => newTask({ submitTime: T0 + i, workspaceId: `ws-${i}` }));
      for (const t of many) await tasks.insert(t);
      const claims = await Promise.all(Array.from({ length: 40 }, (_, i) => queue.claim(`w${i}`, T0, T0 + 1000, 5)));
      const ids = claims.filter(Boolean).map((t) => t!.id);
      expect(ids).toHaveLength(20);
      expect(new Set(ids).size).toBe(20);
    });

    it('keeps a workspace under its running cap; other workspaces still run (round-robin between them)', async () => {
      for (let i = 0; i < 3; i++) await tasks.insert(newTask({ submitTime: T0 + i }));
      await tasks.insert(newTask({ submitTime: T0 + 10, workspaceId: 'ws-b' }));
      const a1 = await queue.claim('w', T0, T0 + 1000, 2);
      const b1 = await queue.claim('w', T0, T0 + 1000, 2);
      const a2 = await queue.claim('w', T0, T0 + 1000, 2);
      expect([a1?.workspaceId, b1?.workspaceId, a2?.workspaceId]).toEqual(['ws-a', 'ws-b', 'ws-a']);
      expect(await queue.claim('w', T0, T0 + 1000, 2)).toBeUndefined();
      await queue.settle(a1!.id, 'w', { status: 'SUCCEEDED', endTime: T0, expiresAt: T0 + 1e9 });
      expect((await queue.claim('w', T0, T0 + 1000, 2))?.workspaceId).toBe('ws-a');
    });

    it('records results and settles only under the lease', async () => {
      const task = newTask();
      await tasks.insert(task);
      await queue.claim('w1', T0, T0 + 1000, 5);
      expect(await queue.recordResult(task.id, 'w1', 1, { ok: false, code: 'C', message: 'M' })).toBe(true);
      expect(await queue.recordResult(task.id, 'intruder', 0, { ok: true, blobKey: 'x' })).toBe(false);
      // n = 2: index 2 is out of range (SQLite's json_set would have appended it).
      expect(await queue.recordResult(task.id, 'w1', 2, { ok: true, blobKey: 'x' })).toBe(false);
      expect(await queue.recordResult(task.id, 'w1', 0, { ok: true, blobKey: 'k0', actualPrompt: 'ap' })).toBe(true);
      expect(await queue.heartbeat(task.id, 'w1', T0 + 5000)).toBe(true);
      expect(await queue.heartbeat(task.id, 'intruder', T0 + 5000)).toBe(false);
      expect(await queue.settle(task.id, 'intruder', { status: 'SUCCEEDED', endTime: T0, expiresAt: T0 })).toBe(false);
      expect(await queue.settle(task.id, 'w1', { status: 'SUCCEEDED', endTime: T0 + 50, expiresAt: T0 + 999 })).toBe(true);
      const got = await tasks.get(task.id);
      expect(got).toMatchObject({
        status: 'SUCCEEDED',
        endTime: T0 + 50,
        expiresAt: T0 + 999,
        results: [
          { ok: true, blobKey: 'k0', actualPrompt: 'ap' },
          { ok: false, code: 'C', message: 'M' },
        ],
      });
      expect(await queue.settle(task.id, 'w1', { status: 'FAILED', endTime: T0, expiresAt: T0 })).toBe(false);
    });

    it('records the last image with the settlement, in one write, only under the lease and in range', async () => {
      const task = newTask(); // n = 2
      await tasks.insert(task);
      await queue.claim('w1', T0, T0 + 1000, 5);
      expect(await queue.recordResult(task.id, 'w1', 0, { ok: false, code: 'C', message: 'M' })).toBe(true);
      const last = { index: 1, result: { ok: true as const, blobKey: 'k1' } };
      expect(await queue.settle(task.id, 'intruder', { status: 'SUCCEEDED', endTime: T0, expiresAt: T0, last })).toBe(false);
      expect(await queue.settle(task.id, 'w1', { status: 'SUCCEEDED', endTime: T0, expiresAt: T0 + 999, last: { ...last, index: 2 } })).toBe(false);
      expect(await queue.settle(task.id, 'w1', { status: 'SUCCEEDED', endTime: T0, expiresAt: T0 + 999, last: { ...last, index: -1 } })).toBe(false);
      expect((await tasks.get(task.id))?.status).toBe('RUNNING');
      expect(await queue.settle(task.id, 'w1', { status: 'SUCCEEDED', endTime: T0 + 60, expiresAt: T0 + 999, last })).toBe(true);
      expect(await tasks.get(task.id)).toMatchObject({
        status: 'SUCCEEDED',
        endTime: T0 + 60,
        results: [
          { ok: false, code: 'C', message: 'M' },
          { ok: true, blobKey: 'k1' },
        ],
      });
    });

    it('hands a released task back without counting the attempt', async () => {
      const task = newTask();
      await tasks.insert(task);
      await queue.claim('w1', T0, T0 + 1000, 5);
      expect(await queue.release(task.id, 'w1')).toBe(true);
      expect(await tasks.get(task.id)).toMatchObject({ status: 'PENDING', attempts: 0 });
      expect(await queue.release(task.id, 'w1')).toBe(false);
    });

    it('requeues expired leases, and fails them after maxAttempts', async () => {
      const task = newTask();
      await tasks.insert(task);
      await queue.claim('w1', T0, T0 + 100, 5);
      expect(await queue.recoverExpired(T0 + 50, 2, FAILURE)).toEqual({ requeued: [], failed: [] });
      expect(await queue.recoverExpired(T0 + 101, 2, FAILURE)).toEqual({ requeued: [task.id], failed: [] });
      expect(await queue.heartbeat(task.id, 'w1', T0 + 5000)).toBe(false);
      await queue.claim('w2', T0 + 200, T0 + 300, 5);
      expect(await queue.recoverExpired(T0 + 301, 2, FAILURE)).toEqual({ requeued: [], failed: [task.id] });
      expect(await tasks.get(task.id)).toMatchObject({ status: 'FAILED', code: FAILURE.code, endTime: T0 + 301, attempts: 2 });
    });
  });
}
