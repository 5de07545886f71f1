/**
 * Webhook event types and the envelope (Standard Webhooks: `{type, timestamp, data}`).
 * `data` of a task event is exactly the body of GET /api/v1/tasks/{id}; see docs/webhooks.md.
 */
import { WEBHOOK_TASK_EVENTS, type WebhookTaskEvent } from '@retouch/sdk/protocol';

export const TASK_EVENTS = WEBHOOK_TASK_EVENTS;
export type TaskEvent = WebhookTaskEvent;
/** Sent by POST /api/v1/webhooks/{id}/test, whatever the endpoint's filter. */
export const TEST_EVENT = 'webhook.test';
/** What a task callback (`X-Retouch-Callback-Url`) receives: the final state. */
export const CALLBACK_EVENTS: readonly TaskEvent[] = ['task.succeeded', 'task.failed', 'task.canceled'];

export const isTaskEvent = (value: string): value is TaskEvent => (TASK_EVENTS as readonly string[]).includes(value);

export interface Envelope<T = unknown> {
  readonly type: string;
  /** ISO 8601, the event's time (the task's end_time for final states). */
  readonly timestamp: string;
  readonly data: T;
}

export const envelope = <T>(type: string, time: number, data: T): Envelope<T> => ({ type, timestamp: new Date(time).toISOString(), data });
