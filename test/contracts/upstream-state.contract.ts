/**
 * Conformance of the upstream-state methods (issue 10): the engine chosen, the stored upstream
 * task, the batched heartbeat and the forwarded cancel. Run against both adapters.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TaskStore, UpstreamRef } from '../../src/tasks/task-store.js';
import { newTask, type StoreHarness } from './task-store.contract.js';

const T0 = 1_750_000_000_000;

export function describeUpstreamStateContract(name: string, harness: StoreHarness): void {
  describe(`TaskStore upstream state: ${name}`, () => {
    let store: TaskStore;
    beforeEach(async () => {
      store = await harness.open();
    });
    afterEach(async () => {
      await store.close();
      await harness.cleanup();
    });

    const ref: UpstreamRef = { route: 'cloud', id: 'up-1', status: 'PENDING', submittedAt: T0 + 5 };

    it('stores the engine and the upstream task under the lease only, and keeps them across a hand-back', async () => {
      const task = newTask();
      await store.insert(task);
      expect((await store.get(task.id))!.engine).toBeUndefined();
      const claimed = await store.claim('w1', T0, T0 + 1000, 5);
      expect(claimed!.upstream).toBeUndefined();
      expect(await store.setRouting(task.id, 'w2', { engine: 'dashscope', upstream: ref })).toBe(false);
      expect(await store.setRouting(task.id, 'w1', { engine: 'dashscope', upstream: ref })).toBe(true);
      expect(await store.get(task.id)).toMatchObject({ engine: 'dashscope', upstream: ref });
      // A restart: the lease expires, recovery requeues, the next claim sees the stored id.
      await store.recoverExpired(T0 + 2000, 5, { code: 'x', message: 'y', expiresAt: T0 + 1e9 });
      const again = await store.claim('w3', T0 + 2001, T0 + 3000, 5);
      expect(again).toMatchObject({ id: task.id, engine: 'dashscope', upstream: ref });
      expect(await store.setRouting(task.id, 'w3', { engine: 'dashscope', upstream: { ...ref, status: 'RUNNING' } })).toBe(true);
      expect((await store.get(task.id))!.upstream!.status).toBe('RUNNING');
    });

    it('renews many leases at once and answers which are still held', async () => {
      const tasks = [newTask({ submitTime: T0 }), newTask({ submitTime: T0 + 1 }), newTask({ submitTime: T0 + 2 })];
      for (const t of tasks) await store.insert(t);
      for (const _ of tasks) await store.claim('w1', T0, T0 + 1000, 5);
      expect(await store.cancel(tasks[2]!.id, 'ws-a', T0)).toBe(false);
      const held = await store.heartbeatMany([tasks[0]!.id, tasks[1]!.id, 'missing'], 'w1', T0 + 5000);
      expect(held.sort()).toEqual([tasks[0]!.id, tasks[1]!.id].sort());
      expect(await store.heartbeatMany([tasks[0]!.id], 'w2', T0 + 5000)).toEqual([]);
      expect(await store.heartbeatMany([], 'w1', T0 + 5000)).toEqual([]);
      // Renewed: not recovered at T0 + 2000, while the third (not renewed) is.
      const report = await store.recoverExpired(T0 + 2000, 5, { code: 'x', message: 'y', expiresAt: T0 + 1e9 });
      expect(report.requeued).toEqual([tasks[2]!.id]);
    });

    it('cancels a RUNNING task only while its upstream task is PENDING, in its own workspace', async () => {
      const task = newTask();
      await store.insert(task);
      await store.claim('w1', T0, T0 + 1000, 5);
      expect(await store.cancelUpstreamPending(task.id, 'ws-a', T0 + 1)).toBe(false);
      await store.setRouting(task.id, 'w1', { engine: 'dashscope', upstream: { ...ref, status: 'RUNNING' } });
      expect(await store.cancelUpstreamPending(task.id, 'ws-a', T0 + 1)).toBe(false);
      await store.setRouting(task.id, 'w1', { engine: 'dashscope', upstream: ref });
      expect(await store.cancelUpstreamPending(task.id, 'ws-b', T0 + 1)).toBe(false);
      expect(await store.cancelUpstreamPending(task.id, 'ws-a', T0 + 2)).toBe(true);
      expect(await store.get(task.id)).toMatchObject({ status: 'CANCELED', endTime: T0 + 2 });
      // The worker's lease is gone with it.
      expect(await store.heartbeat(task.id, 'w1', T0 + 5000)).toBe(false);
      expect(await store.settle(task.id, 'w1', { status: 'SUCCEEDED', endTime: T0 + 3, expiresAt: T0 + 1e9 })).toBe(false);
    });

    it('settles CANCELED when the upstream task was cancelled there', async () => {
      const task = newTask();
      await store.insert(task);
      await store.claim('w1', T0, T0 + 1000, 5);
      expect(await store.settle(task.id, 'w1', { status: 'CANCELED', endTime: T0 + 3, expiresAt: T0 + 1e9 })).toBe(true);
      expect((await store.get(task.id))!.status).toBe('CANCELED');
    });
  });
}
