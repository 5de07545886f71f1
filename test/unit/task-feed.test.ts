/** TaskFeed over a real SQLite store (in memory): coalesced reads, fan-out, capacity. */
import { describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/db/sqlite/database.js';
import { openSqliteState } from '../../src/backends.js';
import { createTaskFeed } from '../../src/tasks/task-feed.js';
import type { TaskRecord } from '../../src/tasks/task-record.js';
import { newTask } from '../contracts/tasks.js';

function setup(limits = { maxPerWorkspace: 2, maxTotal: 3 }) {
  const db = openSqlite(':memory:');
  const { tasks, queue, events } = openSqliteState(db);
  let reads = 0;
  const feed = createTaskFeed({ events, load: (id) => (reads++, tasks.get(id)), ...limits });
  return { db, tasks, queue, feed, reads: () => reads };
}

describe('TaskFeed', () => {
  it('reads a changed task once for all its watchers, and a burst of changes at most twice', async () => {
    const { db, tasks, queue, feed, reads } = setup();
    const task = newTask({ n: 4 });
    await tasks.insert(task);
    const a: TaskRecord[] = [];
    const b: TaskRecord[] = [];
    const ws: TaskRecord[] = [];
    feed.watchTask(task.id, (t) => t && a.push(t));
    feed.watchTask(task.id, (t) => t && b.push(t));
    feed.watchWorkspace(task.workspaceId, { onTask: (t) => ws.push(t), onResync: () => undefined });
    // Five changes in one burst (SQLite runs each call's statement before it returns).
    const burst = [queue.claim('w', 1, 2, 10), ...[0, 1, 2, 3].map((i) => queue.recordResult(task.id, 'w', i, { ok: true, blobKey: `k${i}` }))];
    await Promise.all(burst);
    await new Promise((r) => setTimeout(r, 50));
    expect(reads()).toBeLessThanOrEqual(2);
    const last = a.at(-1)!;
    expect(last.results.every((r) => r?.ok)).toBe(true);
    expect(b.at(-1)).toEqual(last);
    expect(ws.at(-1)).toEqual(last);
    feed.close();
    db.close();
  });

  it('bounds slots per workspace and per process, and a release counts once', () => {
    const { db, feed } = setup();
    const r1 = feed.admit('a')!;
    const r2 = feed.admit('a')!;
    expect(feed.admit('a')).toBeUndefined();
    const r3 = feed.admit('b')!;
    expect(feed.admit('c')).toBeUndefined();
    r1();
    r1();
    expect(feed.size().total).toBe(2);
    expect(feed.admit('a')).toBeDefined();
    r2();
    r3();
    feed.close();
    db.close();
  });
});
