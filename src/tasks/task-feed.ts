/**
 * TaskFeed: one process's fan-out of task changes to long-poll waiters and SSE streams.
 *
 * The store announces changes by task id only (TaskEvents.onTaskChanged: in-process on SQLite,
 * LISTEN/NOTIFY on PostgreSQL). The feed re-reads a changed task once, however many clients
 * watch it, and hands the record to each watcher of that task and of its workspace. Reads of
 * one task never overlap: a change announced while its read is in flight triggers one more
 * read afterwards, so a burst of changes costs at most two reads and the last one is current.
 *
 * Watchers get records, not events: they compare `revision` with what they last passed on
 * (every record carries the whole state, so skipping an intermediate one loses nothing).
 *
 * Capacity: `admit` hands out slots, bounded per workspace and per process, so that open
 * connections (and their memory) stay bounded and one tenant cannot take them all.
 */
import type { TaskEvents } from './task-events.js';
import type { TaskRecord } from './task-record.js';

export interface TaskFeedDeps {
  readonly events: Pick<TaskEvents, 'onTaskChanged'>;
  /** The task as stored (any workspace, even expired); watchers check visibility themselves. */
  readonly load: (taskId: string) => Promise<TaskRecord | undefined>;
  readonly maxPerWorkspace: number;
  readonly maxTotal: number;
  readonly onError?: (err: unknown) => void;
}

export interface WorkspaceWatcher {
  readonly onTask: (task: TaskRecord) => void;
  /** Changes may have been missed (the store's notification channel reconnected). */
  readonly onResync: () => void;
}

export interface TaskFeed {
  /** A slot for one waiter or stream; undefined when the workspace or the process is at its cap. */
  admit(workspaceId: string): (() => void) | undefined;
  /** `listener` gets the task's record after it changed; undefined once it no longer exists. */
  watchTask(taskId: string, listener: (task: TaskRecord | undefined) => void): () => void;
  watchWorkspace(workspaceId: string, watcher: WorkspaceWatcher): () => void;
  /** Slots in use, for tests and metrics. */
  size(): { total: number; byWorkspace: ReadonlyMap<string, number> };
  close(): void;
}

export function createTaskFeed(deps: TaskFeedDeps): TaskFeed {
  const taskWatchers = new Map<string, Set<(task: TaskRecord | undefined) => void>>();
  const workspaceWatchers = new Map<string, Set<WorkspaceWatcher>>();
  const slots = new Map<string, number>();
  let total = 0;
  const reading = new Set<string>();
  const again = new Set<string>();

  const add = <K, V>(map: Map<K, Set<V>>, key: K, value: V) => {
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    set.add(value);
    return () => {
      set.delete(value);
      if (set.size === 0 && map.get(key) === set) map.delete(key);
    };
  };

  async function read(taskId: string): Promise<void> {
    if (reading.has(taskId)) {
      again.add(taskId);
      return;
    }
    reading.add(taskId);
    try {
      do {
        again.delete(taskId);
        const task = await deps.load(taskId);
        for (const listener of [...(taskWatchers.get(taskId) ?? [])]) listener(task);
        if (task) for (const watcher of [...(workspaceWatchers.get(task.workspaceId) ?? [])]) watcher.onTask(task);
      } while (again.has(taskId));
    } catch (err) {
      deps.onError?.(err);
    } finally {
      reading.delete(taskId);
      again.delete(taskId);
    }
  }

  const unsubscribe = deps.events.onTaskChanged((taskId) => {
    if (taskId === undefined) {
      for (const id of taskWatchers.keys()) void read(id);
      for (const set of workspaceWatchers.values()) for (const watcher of [...set]) watcher.onResync();
      return;
    }
    // Only a task someone watches, or any task while a workspace stream is open (its workspace
    // is known only once it has been read).
    if (taskWatchers.has(taskId) || workspaceWatchers.size > 0) void read(taskId);
  });

  return {
    admit(workspaceId) {
      const used = slots.get(workspaceId) ?? 0;
      if (used >= deps.maxPerWorkspace || total >= deps.maxTotal) return undefined;
      slots.set(workspaceId, used + 1);
      total++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        total--;
        const left = (slots.get(workspaceId) ?? 1) - 1;
        if (left > 0) slots.set(workspaceId, left);
        else slots.delete(workspaceId);
      };
    },
    watchTask: (taskId, listener) => add(taskWatchers, taskId, listener),
    watchWorkspace: (workspaceId, watcher) => add(workspaceWatchers, workspaceId, watcher),
    size: () => ({ total, byWorkspace: slots }),
    close() {
      unsubscribe();
      taskWatchers.clear();
      workspaceWatchers.clear();
    },
  };
}
