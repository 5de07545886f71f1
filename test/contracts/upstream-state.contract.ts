/**
 * Conformance of the upstream-state methods (issue 10): the engine chosen, the stored upstream
 * task, the batched heartbeat and the forwarded cancel. Run against both adapters.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UpstreamRef } from '../../src/tasks/task-record.js';
import type { TaskRepository } from '../../src/tasks/task-repository.js';
import type { TaskQueue } from '../../src/tasks/task-queue.js';
import type { StateHarness } from './harness.js';
import { newTask } from './tasks.js';

const T0 = 1_750_000_000_000;

export function describeUpstreamStateContract(name: string, harness: StateHarness): void {
  describe(`TaskQueue upstream state: ${name}`, () => {
    let tasks: TaskRepository;
    let queue: TaskQueue;
    beforeEach(async () => {
      ({ tasks, queue } = await harness.open());
    });
    afterEach(() => harness.cleanup());

    const ref: UpstreamRef = { route: 'cloud', id: 'up-1', status: 'PENDING', submittedAt: T0 + 5 };

    it('stores the engine and the upstream task under the lease only, and keeps them across a hand-back', async () => {
      const task = newTask();
      await tasks.insert(task);
      expect((await tasks.get(task.id))!.engine).toBeUndefined();
      const claimed = await queue.claim('w1', T0, T0 + 1000, 5);
      expect(claimed!.upstream).toBeUndefined();
      expect(await queue.setRouting(task.id, 'w2', { engine: 'dashscope', upstream: ref })).toBe(false);
      expect(await queue.setRouting(task.id, 'w1', { engine: 'dashscope', upstream: ref })).toBe(true);
      expect(await tasks.get(task.id)).toMatchObject({ engine: 'dashscope', upstream: ref });
      // A restart: the lease expires, recovery requeues, the next claim sees the stored id.
      await queue.recoverExpired(T0 + 2000, 5, { code: 'x', message: 'y', expiresAt: T0 + 1e9 });
      const again = await queue.claim('w3', T0 + 2001, T0 + 3000, 5);
      expect(again).toMatchObject({ id: task.id, engine: 'dashscope', upstream: ref });
      expect(await queue.setRouting(task.id, 'w3', { engine: 'dashscope', upstream: { ...ref, status: 'RUNNING' } })).toBe(true);
      expect((await tasks.get(task.id))!.upstream!.status).toBe('RUNNING');
    });

    it('renews many leases at once and answers which are still held', async () => {
      const many = [newTask({ submitTime: T0 }), newTask({ submitTime: T0 + 1 }), newTask({ submitTime: T0 + 2 })];
      for (const t of many) await tasks.insert(t);
      for (const _ of many) await queue.claim('w1', T0, T0 + 1000, 5);
      expect(await tasks.cancel(many[2]!.id, 'ws-a', T0)).toBe(false);
      const held = await queue.heartbeatMany([many[0]!.id, many[1]!.id, 'missing'], 'w1', T0 + 5000);
      expect(held.sort()).toEqual([many[0]!.id, many[1]!.id].sort());
      expect(await queue.heartbeatMany([many[0]!.id], 'w2', T0 + 5000)).toEqual([]);
      expect(await queue.heartbeatMany([], 'w1', T0 + 5000)).toEqual([]);
      // Renewed: not recovered at T0 + 2000, while the third (not renewed) is.
      const report = await queue.recoverExpired(T0 + 2000, 5, { code: 'x', message: 'y', expiresAt: T0 + 1e9 });
      expect(report.requeued).toEqual([many[2]!.id]);
    });

    it('cancels a RUNNING task only while its upstream task is PENDING, in its own workspace', async () => {
      const task = newTask();
      await tasks.insert(task);
      await queue.claim('w1', T0, T0 + 1000, 5);
      expect(await tasks.cancelUpstreamPending(task.id, 'ws-a', T0 + 1)).toBe(false);
      await queue.setRouting(task.id, 'w1', { engine: 'dashscope', upstream: { ...ref, status: 'RUNNING' } });
      expect(await tasks.cancelUpstreamPending(task.id, 'ws-a', T0 + 1)).toBe(false);
      await queue.setRouting(task.id, 'w1', { engine: 'dashscope', upstream: ref });
      expect(await tasks.cancelUpstreamPending(task.id, 'ws-b', T0 + 1)).toBe(false);
      expect(await tasks.cancelUpstreamPending(task.id, 'ws-a', T0 + 2)).toBe(true);
      expect(await tasks.get(task.id)).toMatchObject({ status: 'CANCELED', endTime: T0 + 2 });
      // The worker's lease is gone with it.
      expect(await queue.heartbeat(task.id, 'w1', T0 + 5000)).toBe(false);
      expect(await queue.settle(task.id, 'w1', { status: 'SUCCEEDED', endTime: T0 + 3, expiresAt: T0 + 1e9 })).toBe(false);
    });

    it('settles CANCELED when the upstream task was cancelled there', async () => {
      const task = newTask();
      await tasks.insert(task);
      await queue.claim('w1', T0, T0 + 1000, 5);
      expect(await queue.settle(task.id, 'w1', { status: 'CANCELED', endTime: T0 + 3, expiresAt: T0 + 1e9 })).toBe(true);
      expect((await tasks.get(task.id))!.status).toBe('CANCELED');
    });
  });
}
