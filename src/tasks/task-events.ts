/**
 * TaskEvents: wake-ups that a store can deliver, next to (not inside) the TaskRepository and TaskQueue ports.
 *
 * - `onTaskAvailable`: a task may have become claimable (created, handed back, requeued after
 *   its worker died), possibly on another node. Idle workers claim at once instead of waiting
 *   for their next poll. A hint, not a guarantee: listeners must tolerate spurious and missed
 *   calls (workers still poll on a timer).
 * - `onTaskSettled`: a task reached a final state, SUCCEEDED, FAILED or CANCELED (on any node
 *   sharing the store).
 * - `onDeliveriesQueued`: webhook deliveries may have been queued, for the dispatchers.
 *   Both stores announce it only when a row entered the outbox (PostgreSQL: a trigger and
 *   NOTIFY; SQLite: a TEMP trigger calling into the process, sqlite-outbox-events.ts), so a
 *   deployment without webhooks does not claim from its outbox on every settle. A hint:
 *   dispatchers still poll on a timer.
 * - `onTaskChanged`: a task was created, or its state or one of its results changed (anything
 *   that bumps its revision); for long-poll and SSE (task-feed.ts). Also a hint: the listener
 *   re-reads the task, and several changes may arrive as one call. `undefined` means "any task
 *   may have changed" (PostgreSQL after the listening connection was re-established).
 *
 * All return an unsubscribe function. SQLite delivers them in-process; PostgreSQL through
 * LISTEN/NOTIFY, so API nodes hear about progress made on worker nodes.
 */
export interface TaskEvents {
  onTaskAvailable(listener: () => void): () => void;
  onTaskSettled(listener: (taskId: string) => void): () => void;
  onDeliveriesQueued(listener: () => void): () => void;
  onTaskChanged(listener: (taskId: string | undefined) => void): () => void;
}

/** The emitting side, for adapters. */
export interface TaskEventHub extends TaskEvents {
  available(): void;
  settled(taskId: string): void;
  deliveriesQueued(): void;
  changed(taskId: string | undefined): void;
}

export function createTaskEventHub(): TaskEventHub {
  const availableListeners = new Set<() => void>();
  const settledListeners = new Set<(taskId: string) => void>();
  const changedListeners = new Set<(taskId: string | undefined) => void>();
  const deliveryListeners = new Set<() => void>();
  const subscribe = <T>(set: Set<T>, listener: T) => {
    set.add(listener);
    return () => void set.delete(listener);
  };
  return {
    onTaskAvailable: (listener) => subscribe(availableListeners, listener),
    onTaskSettled: (listener) => subscribe(settledListeners, listener),
    onTaskChanged: (listener) => subscribe(changedListeners, listener),
    onDeliveriesQueued: (listener) => subscribe(deliveryListeners, listener),
    available() {
      for (const listener of availableListeners) listener();
    },
    settled(taskId) {
      for (const listener of settledListeners) listener(taskId);
    },
    changed(taskId) {
      for (const listener of changedListeners) listener(taskId);
    },
    deliveriesQueued() {
      for (const listener of deliveryListeners) listener();
    },
  };
}
