/**
 * Wire shapes of retouch's webhook API (/api/v1/webhooks, docs/webhooks.md) and of the
 * deliveries themselves. Types only; shared by the server's presenters, the SDK, CLI and web.
 */
import type { GetTaskResponse } from './wire.js';

export const WEBHOOK_TASK_EVENTS = ['task.running', 'task.succeeded', 'task.failed', 'task.canceled'] as const;
export type WebhookTaskEvent = (typeof WEBHOOK_TASK_EVENTS)[number];
export type WebhookEventFilter = WebhookTaskEvent | '*';

export interface WebhookEndpoint {
  id: string;
  url: string;
  events: WebhookEventFilter[];
  description: string;
  /** ISO 8601 */
  created_at: string;
}

export interface CreateWebhookRequest {
  url: string;
  events?: WebhookEventFilter[];
  description?: string;
}

export interface CreatedWebhookEndpoint extends WebhookEndpoint {
  request_id: string;
  /** `whsec_…`, shown only here. */
  secret: string;
}

export interface WebhookAttempt {
  attempt: number;
  started_at: string;
  duration_ms: number;
  status?: number;
  error?: string;
}

export interface WebhookDelivery {
  /** The `webhook-id` header, the same on every attempt. */
  id: string;
  event_type: string;
  task_id?: string;
  state: 'pending' | 'delivered' | 'failed' | 'canceled';
  attempts: number;
  next_attempt_at?: string;
  last_status?: number;
  last_error?: string;
  created_at: string;
  attempt_log: WebhookAttempt[];
}

/** The body of a delivery (Standard Webhooks envelope); `data` of task events is the GET task body. */
export interface WebhookEnvelope<T = GetTaskResponse> {
  type: string;
  timestamp: string;
  data: T;
}
