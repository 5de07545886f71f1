/**
 * Long-poll on `GET /api/v1/tasks/{id}`: the wait hint (`?wait=N` or `Prefer: wait=N`, RFC 7240)
 * and the wait itself. The answer is the normal GET body, given as soon as the task changed
 * (state or a finished image) after the request arrived, or when the time is up.
 */
import type { FastifyRequest } from 'fastify';
import { invalidParameter } from '../errors.js';
import { isTerminal } from '@retouch/sdk/protocol';
import type { TaskFeed } from '../tasks/task-feed.js';
import type { TaskService } from '../tasks/task-service.js';
import type { TaskRecord } from '../tasks/task-record.js';

/**
 * Seconds the client asks to wait, or undefined without a hint. A malformed `?wait=` is the
 * client's error; a `Prefer` preference we cannot read is ignored, as RFC 7240 asks.
 */
export function waitHint(request: FastifyRequest): number | undefined {
  const query = (request.query as Record<string, unknown> | undefined)?.wait;
  if (query !== undefined) {
    if (typeof query !== 'string' || !/^\d{1,6}$/.test(query)) throw invalidParameter('Parameter wait must be a whole number of seconds.');
    return Number(query);
  }
  const prefer = request.headers.prefer;
  const text = Array.isArray(prefer) ? prefer.join(',') : prefer;
  const m = text === undefined ? null : /(?:^|[,;\s])wait\s*=\s*"?(\d{1,6})"?\s*(?:[,;]|$)/i.exec(text);
  return m ? Number(m[1]) : undefined;
}

/**
 * Waits until the task changes after its first read, `waitMs` passes or `signal` aborts, and
 * returns the task as it then is (undefined: unknown to this workspace). A task that is
 * already final, or unknown, is returned at once.
 */
export async function waitForChange(
  feed: TaskFeed,
  tasks: TaskService,
  taskId: string,
  workspaceId: string,
  waitMs: number,
  signal: AbortSignal,
): Promise<TaskRecord | undefined> {
  let baseline: number | undefined;
  let seen = -1;
  let wake!: () => void;
  const woken = new Promise<void>((resolve) => (wake = resolve));
  // Watch before the first read, so that a change between the read and the watch is not missed.
  const stop = feed.watchTask(taskId, (task) => {
    if (!task) return wake();
    if (task.workspaceId !== workspaceId) return;
    seen = Math.max(seen, task.revision);
    if (baseline !== undefined && seen > baseline) wake();
  });
  const timer = setTimeout(wake, waitMs);
  signal.addEventListener('abort', wake, { once: true });
  if (signal.aborted) wake();
  try {
    const first = await tasks.get(taskId, workspaceId);
    if (!first || isTerminal(first.status)) return first;
    baseline = first.revision;
    if (seen <= baseline) await woken;
    return await tasks.get(taskId, workspaceId);
  } finally {
    stop();
    clearTimeout(timer);
    signal.removeEventListener('abort', wake);
  }
}
