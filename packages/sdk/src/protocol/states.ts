/**
 * Task states of the DashScope asynchronous task protocol.
 *
 *   PENDING ──► RUNNING ──► SUCCEEDED | FAILED
 *      │           │
 *      │           └──► PENDING   (a worker handed the task back: shutdown or an expired lease)
 *      └──► CANCELED ◄──┘ (only while the upstream task it waits on is PENDING: a
 *                           forwarded cancel, see src/worker/upstream-scheduler.ts)
 *
 * UNKNOWN is never stored: it is what a query answers for an id that does not exist, has expired,
 * or belongs to another workspace.
 */
export const TASK_STATUSES = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELED', 'UNKNOWN'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** The states a stored task can be in. */
export type StoredTaskStatus = Exclude<TaskStatus, 'UNKNOWN'>;

export const TERMINAL_STATUSES: ReadonlySet<TaskStatus> = new Set(['SUCCEEDED', 'FAILED', 'CANCELED', 'UNKNOWN']);

const TRANSITIONS: Record<StoredTaskStatus, readonly StoredTaskStatus[]> = {
  PENDING: ['RUNNING', 'CANCELED'],
  RUNNING: ['SUCCEEDED', 'FAILED', 'PENDING', 'CANCELED'],
  SUCCEEDED: [],
  FAILED: [],
  CANCELED: [],
};

export function canTransition(from: StoredTaskStatus, to: StoredTaskStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isTaskStatus(value: unknown): value is TaskStatus {
  return typeof value === 'string' && (TASK_STATUSES as readonly string[]).includes(value);
}

export function isTerminal(status: TaskStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}
