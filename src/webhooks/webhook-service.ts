/**
 * WebhookService: what the API does with endpoints, callbacks and the delivery log, scoped to
 * the caller's workspace. URLs are checked against the outbound policy when registered
 * (url-policy.ts) and again on every attempt (sender.ts).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type net from 'node:net';
import { invalidParameter, WebhookErrors } from '../errors.js';
import type { Clock } from '../tasks/task-service.js';
import { envelope, isTaskEvent, TASK_EVENTS, TEST_EVENT } from './events.js';
import { validateWebhookUrl } from './url-policy.js';
import type { AttemptRecord, DeliveryRecord, EndpointRecord, WebhookStore } from './webhook-store.js';

export const MAX_ENDPOINTS_PER_WORKSPACE = 20;
export const MAX_DESCRIPTION_CHARS = 200;

export interface WebhookServiceDeps {
  readonly store: WebhookStore;
  readonly clock: Clock;
  readonly allow: readonly string[];
  /** TEST-ONLY DNS replacement, as in safe-fetch. */
  readonly lookup?: net.LookupFunction;
  /** New deliveries were enqueued (a test event): wake the dispatcher. */
  readonly onEnqueued?: () => void;
}

export interface WebhookService {
  create(workspaceId: string, input: { url: string; events?: readonly string[]; description?: string }): Promise<EndpointRecord>;
  list(workspaceId: string): Promise<EndpointRecord[]>;
  remove(workspaceId: string, id: string): Promise<void>;
  test(workspaceId: string, id: string): Promise<string>;
  deliveries(workspaceId: string, id: string, limit: number): Promise<(DeliveryRecord & { attemptLog: AttemptRecord[] })[]>;
  callbackSecret(workspaceId: string): Promise<string>;
  /** Checks a callback URL (400 InvalidURL when refused); returns it normalised. */
  checkCallbackUrl(raw: unknown): Promise<string>;
  registerCallback(taskId: string, workspaceId: string, url: string): Promise<void>;
}

/** `whsec_` + base64 of 24 random bytes: the secret format `standardwebhooks` reads. */
export const newWebhookSecret = (): string => `whsec_${randomBytes(24).toString('base64')}`;

const notFound = WebhookErrors.endpointNotFound;

export function createWebhookService(deps: WebhookServiceDeps): WebhookService {
  const { store, clock } = deps;
  const own = async (workspaceId: string, id: string) => {
    const endpoint = await store.getEndpoint(id, workspaceId);
    if (!endpoint) throw notFound();
    return endpoint;
  };
  return {
    async create(workspaceId, input) {
      const events = input.events === undefined || input.events.length === 0 ? ['*'] : [...new Set(input.events)];
      for (const e of events) {
        if (e !== '*' && !isTaskEvent(e)) throw invalidParameter(`Unknown webhook event "${e}": expected "*" or one of ${TASK_EVENTS.join(', ')}.`);
      }
      const description = input.description ?? '';
      if (Array.from(description).length > MAX_DESCRIPTION_CHARS)
        throw invalidParameter(`Parameter description must be at most ${MAX_DESCRIPTION_CHARS} characters.`);
      const url = await validateWebhookUrl(input.url, 'webhook url', deps.allow, deps.lookup);
      if ((await store.listEndpoints(workspaceId)).length >= MAX_ENDPOINTS_PER_WORKSPACE) {
        throw invalidParameter(`A workspace may have at most ${MAX_ENDPOINTS_PER_WORKSPACE} webhook endpoints.`);
      }
      const endpoint: EndpointRecord = {
        id: `wh_${randomUUID().replace(/-/g, '')}`,
        workspaceId,
        url,
        events: events.includes('*') ? ['*'] : events,
        description,
        secret: newWebhookSecret(),
        createdAt: clock.now(),
      };
      await store.createEndpoint(endpoint);
      return endpoint;
    },
    list: (workspaceId) => store.listEndpoints(workspaceId),
    async remove(workspaceId, id) {
      if (!(await store.deleteEndpoint(id, workspaceId))) throw notFound();
    },
    async test(workspaceId, id) {
      const endpoint = await own(workspaceId, id);
      const deliveryId = `msg_${randomUUID().replace(/-/g, '')}`;
      const now = clock.now();
      const payload = JSON.stringify(envelope(TEST_EVENT, now, { webhook_id: endpoint.id, message: 'A test event from retouch.' }));
      await store.enqueue({ id: deliveryId, workspaceId, endpointId: endpoint.id, url: endpoint.url, eventType: TEST_EVENT, eventTime: now, payload });
      deps.onEnqueued?.();
      return deliveryId;
    },
    async deliveries(workspaceId, id, limit) {
      await own(workspaceId, id);
      return store.listDeliveries(id, workspaceId, limit);
    },
    callbackSecret: (workspaceId) => store.callbackSecret(workspaceId, clock.now(), newWebhookSecret),
    checkCallbackUrl: (raw) => validateWebhookUrl(raw, 'X-Retouch-Callback-Url', deps.allow, deps.lookup),
    async registerCallback(taskId, workspaceId, url) {
      // The secret exists before the first delivery can need it.
      await store.callbackSecret(workspaceId, clock.now(), newWebhookSecret);
      await store.registerCallback(taskId, workspaceId, url, clock.now());
    },
  };
}
