/**
 * TaskEvents: wake-ups that a store can deliver, next to (not inside) the TaskStore port.
 *
 * - `onTaskAvailable`: a task may have become claimable (created, handed back, requeued after
 *   its worker died), possibly on another node. Idle workers claim at once instead of waiting
 *   for their next poll. A hint, not a guarantee: listeners must tolerate spurious and missed
 *   calls (workers still poll on a timer).
 * - `onTaskSettled`: a task reached a final state, SUCCEEDED, FAILED or CANCELED (on any node
 *   sharing the store); for waiters such as long-polling clients.
 *
 * Both return an unsubscribe function. SQLite delivers them in-process; PostgreSQL through
 * LISTEN/NOTIFY, so API nodes hear about completions that happened on worker nodes.
 */
export interface TaskEvents {
  onTaskAvailable(listener: () => void): () => void;
  onTaskSettled(listener: (taskId: string) => void): () => void;
}

/** The emitting side, for adapters. */
export interface TaskEventHub extends TaskEvents {
  available(): void;
  settled(taskId: string): void;
}

export function createTaskEventHub(): TaskEventHub {
  const availableListeners = new Set<() => void>();
  const settledListeners = new Set<(taskId: string) => void>();
  const subscribe = <T>(set: Set<T>, listener: T) => {
    set.add(listener);
    return () => void set.delete(listener);
  };
  return {
    onTaskAvailable: (listener) => subscribe(availableListeners, listener),
    onTaskSettled: (listener) => subscribe(settledListeners, listener),
    available() {
      for (const listener of availableListeners) listener();
    },
    settled(taskId) {
      for (const listener of settledListeners) listener(taskId);
    },
  };
}
