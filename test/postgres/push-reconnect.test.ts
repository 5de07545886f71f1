/**
 * Change notifications on PostgreSQL survive a lost LISTEN connection: a change committed while
 * no node was listening reaches a watcher once the connection is back (the feed re-reads what it
 * watches on reconnect), and cross-node changes arrive through NOTIFY.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { openPostgresState, type PostgresState } from '../../src/backends.js';
import { createTaskFeed } from '../../src/tasks/task-feed.js';
import type { TaskRecord } from '../../src/tasks/task-record.js';
import { newTask } from '../contracts/tasks.js';
import { dropSchema, newSchemaName, TEST_DATABASE_URL } from '../helpers/postgres.js';

let schema = '';
let nodes: PostgresState[] = [];

afterEach(async () => {
  await Promise.all(nodes.map((n) => n.close()));
  nodes = [];
  await dropSchema(schema);
});

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('PostgreSQL change notifications', () => {
  it('deliver a change from another node, and one made while the listener was down once it is back', async () => {
    schema = newSchemaName();
    nodes = await Promise.all([0, 1].map(() => openPostgresState({ url: TEST_DATABASE_URL, schema }, Date.now())));
    const [a, b] = nodes as [PostgresState, PostgresState];
    const feed = createTaskFeed({ events: b.events, load: (id) => b.tasks.get(id), maxPerWorkspace: 10, maxTotal: 10 });
    let resyncs = 0;
    b.events.onTaskChanged((id) => id === undefined && resyncs++);
    const seen: (TaskRecord | undefined)[] = [];
    const task = newTask();
    feed.watchTask(task.id, (t) => seen.push(t));

    await a.tasks.insert(task);
    await until(() => seen.some((t) => t?.status === 'PENDING'), 'the insert on node A seen on node B');

    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    try {
      const listeners = async () =>
        (await admin.query<{ c: number }>(`SELECT count(*)::int AS c FROM pg_stat_activity WHERE query = $1`, [`LISTEN "retouch:${schema}"`])).rows[0]!.c;
      expect(await listeners()).toBe(2);
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1`, [`LISTEN "retouch:${schema}"`]);
      await until(async () => (await listeners()) === 0, 'both listeners gone');
      // Nobody listens now: this change's NOTIFY reaches no one.
      expect(await a.tasks.cancel(task.id, task.workspaceId, task.submitTime + 1)).toBe(true);
      await until(() => seen.some((t) => t?.status === 'CANCELED'), 'the change made while disconnected');
      expect(resyncs).toBeGreaterThan(0);
      await until(async () => (await listeners()) === 2, 'both listeners back');
    } finally {
      await admin.end();
      feed.close();
    }
  });
});
