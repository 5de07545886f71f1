/**
 * The WebhookStore on SQLite and on PostgreSQL, with the task stores beside it: the outbox
 * trigger enqueues one delivery per matching endpoint (and callback) in the transaction that
 * changes the task's state, whichever path changes it (claim, settle, cancel, recovery);
 * claims are exclusive (on PostgreSQL with two pools racing, as two nodes would); a lost lock
 * cannot record an attempt; an expired lock hands the same delivery (same id) to another node.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/db/sqlite/database.js';
import { openPostgresState, openSqliteState, type PostgresState } from '../../src/backends.js';
import type { TaskRepository } from '../../src/tasks/task-repository.js';
import type { TaskQueue } from '../../src/tasks/task-queue.js';
import type { WebhookStore } from '../../src/webhooks/webhook-store.js';
import { newTask } from '../contracts/tasks.js';
import { dropSchema, newSchemaName, TEST_DATABASE_URL } from '../helpers/postgres.js';

const T0 = 1_750_000_000_000;
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

interface Node {
  tasks: TaskRepository;
  queue: TaskQueue;
  webhooks: WebhookStore;
}

interface Harness {
  open(nodes: number): Promise<Node[]>;
  close(): Promise<void>;
}

function sqliteHarness(): Harness {
  let dir = '';
  let close = () => undefined as void;
  return {
    async open() {
      dir = mkdtempSync(join(tmpdir(), 'retouch-wh-'));
      const state = openSqliteState(openSqlite(join(dir, 'db.sqlite')));
      close = () => void state.close();
      return [state];
    },
    async close() {
      close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgresHarness(): Harness {
  let schema = '';
  let backends: PostgresState[] = [];
  return {
    async open(nodes) {
      schema = newSchemaName();
      backends = [];
      for (let i = 0; i < nodes; i++) backends.push(await openPostgresState({ url: TEST_DATABASE_URL, schema }, Date.now()));
      return backends;
    },
    async close() {
      await Promise.all(backends.map((b) => b.close()));
      await dropSchema(schema);
    },
  };
}

const endpoint = (id: string, events: string[], workspaceId = 'ws-a') => ({
  id,
  workspaceId,
  url: `https://example.com/${id}`,
  events,
  description: '',
  secret: SECRET,
  createdAt: T0,
});

for (const [name, make] of [
  ['SQLite', sqliteHarness],
  ['PostgreSQL', postgresHarness],
] as const) {
  describe(`WebhookStore on ${name}`, () => {
    const harness = make();
    afterEach(() => harness.close());

    it('enqueues with the state change, per matching endpoint and for the callback', async () => {
      const [{ tasks, queue, webhooks }] = (await harness.open(1)) as [Node];
      await webhooks.createEndpoint(endpoint('wh_all', ['*']));
      await webhooks.createEndpoint(endpoint('wh_failed', ['task.failed']));
      await webhooks.createEndpoint(endpoint('wh_other', ['*'], 'ws-b'));
      await webhooks.callbackSecret('ws-a', T0, () => SECRET);
      const task = newTask({ submitTime: T0 });
      await webhooks.registerCallback(task.id, 'ws-a', 'https://example.com/cb', T0);
      await tasks.insert(task);
      expect(await webhooks.countPending()).toBe(0);
      const claimed = await queue.claim('w1', T0 + 10, T0 + 1000, 5);
      expect(claimed?.id).toBe(task.id);
      expect(await webhooks.countPending()).toBe(1);
      await queue.settle(task.id, 'w1', { status: 'FAILED', code: 'X', message: 'y', endTime: T0 + 20, expiresAt: T0 + 1e9 });
      const due = await webhooks.claimDue('d1', T0 + 100, T0 + 200, 10);
      const summary = due.map((d) => [d.endpointId ?? 'callback', d.eventType, d.eventTime, d.secret === SECRET]).sort();
      expect(summary).toEqual([
        ['callback', 'task.failed', T0 + 20, true],
        ['wh_all', 'task.failed', T0 + 20, true],
        ['wh_all', 'task.running', T0 + 10, true],
        ['wh_failed', 'task.failed', T0 + 20, true],
      ]);
      expect(new Set(due.map((d) => d.id)).size).toBe(4);
      expect(due.every((d) => /^msg_[0-9a-f]{32}$/.test(d.id))).toBe(true);
    });

    it('enqueues task.canceled on cancel and task.failed on crash recovery', async () => {
      const [{ tasks, queue, webhooks }] = (await harness.open(1)) as [Node];
      await webhooks.createEndpoint(endpoint('wh_final', ['task.canceled', 'task.failed']));
      const a = newTask({ submitTime: T0 });
      const b = newTask({ submitTime: T0 + 1 });
      await tasks.insert(a);
      await tasks.insert(b);
      expect(await tasks.cancel(a.id, 'ws-a', T0 + 5)).toBe(true);
      await queue.claim('w1', T0 + 6, T0 + 7, 5);
      await queue.recoverExpired(T0 + 100, 1, { code: 'InternalError.Interrupted', message: 'gone', expiresAt: T0 + 1e9 });
      const due = await webhooks.claimDue('d1', T0 + 200, T0 + 300, 10);
      expect(due.map((d) => [d.taskId, d.eventType]).sort()).toEqual(
        [
          [a.id, 'task.canceled'],
          [b.id, 'task.failed'],
        ].sort(),
      );
    });

    it('hands a delivery to one claimer at a time; an expired lock gives the same id to another', async () => {
      const nodes = await harness.open(name === 'PostgreSQL' ? 2 : 1);
      const { webhooks } = nodes[0]!;
      await webhooks.createEndpoint(endpoint('wh_all', ['*']));
      for (let i = 0; i < 30; i++) {
        await webhooks.enqueue({
          id: `msg_${i}`,
          workspaceId: 'ws-a',
          endpointId: 'wh_all',
          url: 'https://example.com/',
          eventType: 'webhook.test',
          eventTime: T0,
          payload: '{}',
        });
      }
      const claimers = Array.from({ length: 6 }, (_, i) => nodes[i % nodes.length]!.webhooks.claimDue(`d${i}`, T0 + 1, T0 + 1000, 7));
      const batches = await Promise.all(claimers);
      const ids = batches.flat().map((d) => d.id);
      expect(ids).toHaveLength(30);
      expect(new Set(ids).size).toBe(30);
      // The lock holds until T0 + 1000: nothing is due before then.
      expect(await webhooks.claimDue('late', T0 + 999, T0 + 2000, 100)).toHaveLength(0);
      const first = batches[0]![0]!;
      const outcome = {
        attempt: { attempt: 1, startedAt: T0 + 2, durationMs: 5, status: 500, error: 'HTTP 500' },
        payload: '{}',
        state: 'pending' as const,
        nextAttemptAt: T0 + 50,
      };
      expect(await webhooks.finishAttempt(first.id, 'someone-else', outcome)).toBe(false);
      // After the lock expired another dispatcher gets the very same deliveries, same ids.
      const again = await nodes[nodes.length - 1]!.webhooks.claimDue('d-new', T0 + 1000, T0 + 3000, 100);
      expect(new Set(again.map((d) => d.id))).toEqual(new Set(ids));
      expect(await webhooks.finishAttempt(first.id, 'd-new', outcome)).toBe(true);
      const stored = await webhooks.getDelivery(first.id);
      expect(stored?.attempts).toBe(1);
      expect(stored?.attemptLog).toEqual([{ attempt: 1, startedAt: T0 + 2, durationMs: 5, status: 500, error: 'HTTP 500' }]);
    });

    it('removing an endpoint cancels its pending deliveries; sweep drops old finished ones and orphan callbacks', async () => {
      const [{ webhooks }] = (await harness.open(1)) as [Node];
      await webhooks.createEndpoint(endpoint('wh_a', ['*']));
      await webhooks.enqueue({
        id: 'msg_a',
        workspaceId: 'ws-a',
        endpointId: 'wh_a',
        url: 'https://example.com/',
        eventType: 'webhook.test',
        eventTime: T0,
        payload: '{}',
      });
      expect(await webhooks.deleteEndpoint('wh_a', 'ws-b')).toBe(false);
      expect(await webhooks.deleteEndpoint('wh_a', 'ws-a')).toBe(true);
      expect((await webhooks.getDelivery('msg_a'))?.state).toBe('canceled');
      expect(await webhooks.claimDue('d', T0 + 1, T0 + 2, 10)).toHaveLength(0);
      await webhooks.registerCallback('no-such-task', 'ws-a', 'https://example.com/cb', T0);
      expect(await webhooks.sweep(T0 + 1)).toBe(2);
      expect(await webhooks.getDelivery('msg_a')).toBeUndefined();
    });
  });
}
