/**
 * What the conformance suite cannot see from one connection: several nodes (each its own pool,
 * as separate processes would have) on one schema at once.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { openPostgresState, type PostgresState } from '../../src/backends.js';
import { MIGRATIONS } from '../../src/db/postgres/database.js';
import { newTask } from '../contracts/tasks.js';
import { dropSchema, newSchemaName, TEST_DATABASE_URL } from '../helpers/postgres.js';

const T0 = 1_750_000_000_000;
let schema = '';
let nodes: PostgresState[] = [];

async function openNodes(count: number): Promise<PostgresState[]> {
  schema = newSchemaName();
  // All at once: the migrations must be applied exactly once while the nodes race.
  nodes = await Promise.all(Array.from({ length: count }, () => openPostgresState({ url: TEST_DATABASE_URL, schema }, Date.now())));
  return nodes;
}

afterEach(async () => {
  await Promise.all(nodes.map((n) => n.close()));
  nodes = [];
  await dropSchema(schema);
});

describe('PostgreSQL backend across nodes', () => {
  it('applies migrations once when nodes start together', async () => {
    const [a] = await openNodes(5);
    const { rows } = await a!.pool.query('SELECT version FROM retouch_migrations');
    expect(rows).toEqual(MIGRATIONS.map((_, i) => ({ version: i + 1 })));
  });

  it('keeps each workspace under its running cap with claims racing from several nodes', async () => {
    const all = await openNodes(3);
    const workspaces = ['ws-a', 'ws-b', 'ws-c'];
    for (let i = 0; i < 60; i++) await all[0]!.tasks.insert(newTask({ submitTime: T0 + i, workspaceId: workspaces[i % 3] }));
    const cap = 2;
    // 3 nodes × 12 concurrent claimers, more than the 6 slots the caps allow.
    const claims = await Promise.all(all.flatMap((node, n) => Array.from({ length: 12 }, (_, i) => node.queue.claim(`w${n}-${i}`, T0, T0 + 10_000, cap))));
    const claimed = claims.filter((t) => t !== undefined);
    const perWorkspace = new Map<string, number>();
    for (const t of claimed) perWorkspace.set(t.workspaceId, (perWorkspace.get(t.workspaceId) ?? 0) + 1);
    expect(new Set(claimed.map((t) => t.id)).size).toBe(claimed.length);
    expect(Object.fromEntries(perWorkspace)).toEqual({ 'ws-a': cap, 'ws-b': cap, 'ws-c': cap });
    const { rows } = await all[0]!.pool.query(`SELECT workspace_id, count(*)::int AS c FROM tasks WHERE status = 'RUNNING' GROUP BY workspace_id ORDER BY 1`);
    expect(rows).toEqual(workspaces.map((w) => ({ workspace_id: w, c: cap })));
  });

  it('wakes other nodes when a task is created and when one settles', async () => {
    const [api, worker] = await openNodes(2);
    const available = new Promise<void>((resolve) => worker!.events.onTaskAvailable(resolve));
    const task = newTask();
    await api!.tasks.insert(task);
    await available;
    const settled = new Promise<string>((resolve) => api!.events.onTaskSettled(resolve));
    await worker!.queue.claim('w', T0, T0 + 1000, 5);
    await worker!.queue.settle(task.id, 'w', { status: 'SUCCEEDED', endTime: T0, expiresAt: T0 + 1e9 });
    expect(await settled).toBe(task.id);
  });

  it('tells other nodes when a state change queued webhook deliveries, and only then', async () => {
    const [api, worker] = await openNodes(2);
    let wakeups = 0;
    const firstWakeup = new Promise<void>((resolve) =>
      api!.events.onDeliveriesQueued(() => {
        wakeups++;
        resolve();
      }),
    );
    const plain = newTask({ submitTime: T0 });
    const hooked = newTask({ submitTime: T0 + 1 });
    await api!.tasks.insert(plain);
    await api!.tasks.insert(hooked);
    await api!.webhooks.registerCallback(hooked.id, hooked.workspaceId, 'https://example.com/hook', T0);
    for (const task of [plain, hooked]) {
      expect((await worker!.queue.claim('w', T0, T0 + 1000, 5))?.id).toBe(task.id);
      await worker!.queue.settle(task.id, 'w', { status: 'SUCCEEDED', endTime: T0, expiresAt: T0 + 1e9 });
    }
    await firstWakeup;
    // A marker committed after both settles: once it is heard, every notification of theirs was.
    const marker = new Promise<void>((resolve) => api!.events.onTaskAvailable(resolve));
    await worker!.tasks.insert(newTask({ submitTime: T0 + 2 }));
    await marker;
    expect(wakeups).toBe(1);
    expect(await api!.webhooks.countPending()).toBe(1);
  });

  it('recovers expired leases once even when every node runs the reaper', async () => {
    const all = await openNodes(3);
    for (let i = 0; i < 30; i++) await all[0]!.tasks.insert(newTask({ submitTime: T0 + i, workspaceId: `ws-${i}` }));
    for (let i = 0; i < 30; i++) await all[i % 3]!.queue.claim(`w${i}`, T0, T0 + 100, 5);
    const failure = { code: 'X', message: 'x', expiresAt: T0 + 1e9 };
    const reports = await Promise.all(all.map((n) => n.queue.recoverExpired(T0 + 101, 3, failure)));
    const requeued = reports.flatMap((r) => r.requeued);
    expect(requeued).toHaveLength(30);
    expect(new Set(requeued).size).toBe(30);
  });

  it('shares rate limits between nodes', async () => {
    const all = await openNodes(2);
    const key = `submit:${randomUUID()}`;
    const decisions = await Promise.all(Array.from({ length: 10 }, (_, i) => all[i % 2]!.limiter.take(key, 5, 1000, T0)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
    const refused = decisions.find((d) => !d.allowed)!;
    expect(refused.retryAfterMs).toBe(200);
    expect((await all[1]!.limiter.take(key, 5, 1000, T0 + 200)).allowed).toBe(true);
    expect((await all[0]!.limiter.take(key, 5, 1000, T0 + 200)).allowed).toBe(false);
    expect((await all[0]!.limiter.take('other', 5, 1000, T0)).allowed).toBe(true);
  });
});
