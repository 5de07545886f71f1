/**
 * Task states of the DashScope asynchronous task protocol.
 *
 *   PENDING ──► RUNNING ──► SUCCEEDED | FAILED
 *      │           │
 *      │           └──► PENDING   (a worker handed the task back: shutdown or an expired lease)
 *      └──► CANCELED
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
  RUNNING: ['SUCCEEDED', 'FAILED', 'PENDING'],
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
