/**
 * The WebhookStore port: endpoints, per-task callbacks, signing secrets and the delivery outbox,
 * kept in the task store's database (SQLite or PostgreSQL) so that deliveries survive restarts.
 *
 * Glossary:
 * - endpoint: a URL of a workspace that receives the events its filter names.
 * - callback: a URL given on one task's create (`X-Retouch-Callback-Url`); gets its final event.
 * - delivery: one event for one URL, with a fixed id (the `webhook-id`); enqueued by the
 *   trigger of migration 5 (src/db/{sqlite,postgres}/migrations/0005_webhooks.sql) in the transaction that changes the task's state.
 * - claim: a dispatcher takes due deliveries with a lock (`lockedUntil`); a dispatcher that
 *   dies mid-attempt loses its lock and another one resends, with the same id (at-least-once).
 *
 * Contract (test/webhooks/webhook-store.test.ts runs it on both adapters):
 * - `claimDue` never hands one delivery to two dispatchers while its lock is held;
 * - `finishAttempt` only applies for the dispatcher holding the lock (false otherwise);
 * - deleting an endpoint cancels its pending deliveries.
 */

export const DELIVERY_STATES = ['pending', 'delivered', 'failed', 'canceled'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

export interface EndpointRecord {
  readonly id: string;
  readonly workspaceId: string;
  readonly url: string;
  /** The filter; `['*']` for every event. */
  readonly events: readonly string[];
  readonly description: string;
  readonly secret: string;
  readonly createdAt: number;
}

export interface AttemptRecord {
  readonly attempt: number;
  readonly startedAt: number;
  readonly durationMs: number;
  /** The receiver's HTTP status; absent when no response came (timeout, refused, forbidden). */
  readonly status?: number;
  readonly error?: string;
}

export interface DeliveryRecord {
  readonly id: string;
  readonly workspaceId: string;
  /** Absent for a task's callback. */
  readonly endpointId: string | undefined;
  readonly url: string;
  readonly taskId: string | undefined;
  readonly eventType: string;
  readonly eventTime: number;
  /** The exact JSON sent, fixed at the first attempt so retries carry the same bytes. */
  readonly payload: string | undefined;
  readonly state: DeliveryState;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly lastStatus: number | undefined;
  readonly lastError: string | undefined;
  readonly lastAttemptAt: number | undefined;
  readonly createdAt: number;
}

/** A claimed delivery, with the secret it is signed with. */
export interface ClaimedDelivery extends DeliveryRecord {
  readonly secret: string;
}

export interface AttemptOutcome {
  readonly attempt: AttemptRecord;
  readonly payload: string;
  readonly state: DeliveryState;
  /** When state stays `pending`: the next try. */
  readonly nextAttemptAt: number;
}

export interface WebhookStore {
  createEndpoint(endpoint: EndpointRecord): Promise<void>;
  listEndpoints(workspaceId: string): Promise<EndpointRecord[]>;
  getEndpoint(id: string, workspaceId: string): Promise<EndpointRecord | undefined>;
  /** Deletes the endpoint and cancels its pending deliveries; false if it is not the workspace's. */
  deleteEndpoint(id: string, workspaceId: string): Promise<boolean>;
  /** Records a task's callback URL. Called before the task row exists, so no event can miss it. */
  registerCallback(taskId: string, workspaceId: string, url: string, now: number): Promise<void>;
  /** The workspace's secret for callbacks, created on first use (`fresh` makes it on the spot). */
  callbackSecret(workspaceId: string, now: number, fresh: () => string): Promise<string>;
  /** Adds a delivery that no task state produced (`webhook.test`). */
  enqueue(delivery: Pick<DeliveryRecord, 'id' | 'workspaceId' | 'endpointId' | 'url' | 'eventType' | 'eventTime' | 'payload'>): Promise<void>;
  claimDue(lockedBy: string, now: number, lockedUntil: number, limit: number): Promise<ClaimedDelivery[]>;
  /** Records one attempt and the delivery's new state; false if `lockedBy` no longer holds it. */
  finishAttempt(id: string, lockedBy: string, outcome: AttemptOutcome): Promise<boolean>;
  /** Newest first, each with its attempts (oldest first). */
  listDeliveries(endpointId: string, workspaceId: string, limit: number): Promise<(DeliveryRecord & { attemptLog: AttemptRecord[] })[]>;
  getDelivery(id: string): Promise<(DeliveryRecord & { attemptLog: AttemptRecord[] }) | undefined>;
  countPending(): Promise<number>;
  /** Deletes finished deliveries created before `before`, and callbacks whose task is gone. */
  sweep(before: number): Promise<number>;
}

/** `events` column text ⇄ list (see src/db/{sqlite,postgres}/migrations/0005_webhooks.sql). */
export const encodeEvents = (events: readonly string[]): string => (events.includes('*') ? '*' : ` ${events.join(' ')} `);
export const decodeEvents = (text: string): string[] => (text === '*' ? ['*'] : text.trim().split(/\s+/).filter(Boolean));

export interface DeliveryRow {
  id: string;
  workspace_id: string;
  endpoint_id: string | null;
  url: string;
  task_id: string | null;
  event_type: string;
  event_time: number;
  payload: string | null;
  state: string;
  attempts: number;
  next_attempt_at: number;
  last_status: number | null;
  last_error: string | null;
  last_attempt_at: number | null;
  created_at: number;
  secret?: string | null;
}

export interface EndpointRow {
  id: string;
  workspace_id: string;
  url: string;
  events: string;
  description: string;
  secret: string;
  created_at: number;
}

export interface AttemptRow {
  delivery_id: string;
  attempt: number;
  started_at: number;
  duration_ms: number;
  status: number | null;
  error: string | null;
}

const opt = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);

export function toDelivery(row: DeliveryRow): DeliveryRecord {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    endpointId: opt(row.endpoint_id),
    url: row.url,
    taskId: opt(row.task_id),
    eventType: row.event_type,
    eventTime: row.event_time,
    payload: opt(row.payload),
    state: row.state as DeliveryState,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastStatus: opt(row.last_status),
    lastError: opt(row.last_error),
    lastAttemptAt: opt(row.last_attempt_at),
    createdAt: row.created_at,
  };
}

export function toEndpoint(row: EndpointRow): EndpointRecord {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    url: row.url,
    events: decodeEvents(row.events),
    description: row.description,
    secret: row.secret,
    createdAt: row.created_at,
  };
}

export function toAttempt(row: AttemptRow): AttemptRecord {
  return {
    attempt: row.attempt,
    startedAt: row.started_at,
    durationMs: row.duration_ms,
    ...(row.status === null ? {} : { status: row.status }),
    ...(row.error === null ? {} : { error: row.error }),
  };
}
