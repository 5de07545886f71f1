/**
 * Renders a task event's envelope: `data` is the normal GET /api/v1/tasks/{id} body (its
 * `request_id` is the create request's id), rendered at the first attempt and then fixed.
 * A `task.running` event rendered after a fast edit finished already shows the newer state;
 * final events always show the final state.
 */
import { presentTask, unknownTask, type UrlFor } from '../api/present.js';
import type { TaskRecord } from '../tasks/task-record.js';
import { envelope } from './events.js';
import type { ClaimedDelivery } from './webhook-store.js';

export interface PayloadDeps {
  readonly getTask: (id: string) => Promise<TaskRecord | undefined>;
  readonly urlFor: UrlFor;
  readonly resultUrlTtlMs: number;
}

export function createPayloadRenderer(deps: PayloadDeps): (delivery: ClaimedDelivery) => Promise<string> {
  return async (d) => {
    const task = d.taskId === undefined ? undefined : await deps.getTask(d.taskId);
    const data = task ? await presentTask(task, task.requestId, deps.urlFor, deps.resultUrlTtlMs) : unknownTask(d.id, d.taskId ?? '');
    return JSON.stringify(envelope(d.eventType, d.eventTime, data));
  };
}
