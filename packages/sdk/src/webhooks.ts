/**
 * The SDK's webhook calls (retouch only; DashScope has no such API): `client.webhooks.*`.
 * Verifying deliveries is the receiver's job: use the `standardwebhooks` package with the
 * endpoint's secret (docs/webhooks.md).
 */
import type { CreatedWebhookEndpoint, CreateWebhookRequest, WebhookDelivery, WebhookEndpoint } from './protocol/webhooks.js';

type Call = <T>(method: string, path: string, init?: { body?: string; headers?: Record<string, string>; signal?: AbortSignal }) => Promise<T>;

export interface WebhookCallOptions {
  readonly signal?: AbortSignal;
}

export function createWebhookMethods(call: Call) {
  const json = { 'Content-Type': 'application/json; charset=utf-8' };
  const id = (value: string) => encodeURIComponent(value);
  return {
    /** The workspace's endpoints (secrets are never listed). */
    async list(o: WebhookCallOptions = {}): Promise<WebhookEndpoint[]> {
      return (await call<{ data: WebhookEndpoint[] }>('GET', '/webhooks', { signal: o.signal })).data;
    },
    /**
     * Adds an endpoint; the answer carries its signing secret, shown this once.
     *
     * @example
     * ```ts
     * const { id, secret } = await client.webhooks.create({ url: 'https://example.com/hooks/retouch', events: ['task.succeeded', 'task.failed'] });
     * ```
     */
    create(body: CreateWebhookRequest, o: WebhookCallOptions = {}): Promise<CreatedWebhookEndpoint> {
      return call<CreatedWebhookEndpoint>('POST', '/webhooks', { body: JSON.stringify(body), headers: json, signal: o.signal });
    },
    async remove(endpointId: string, o: WebhookCallOptions = {}): Promise<void> {
      await call('DELETE', `/webhooks/${id(endpointId)}`, { signal: o.signal });
    },
    /** Queues a `webhook.test` event; returns its delivery id (see `deliveries`). */
    async test(endpointId: string, o: WebhookCallOptions = {}): Promise<string> {
      return (await call<{ delivery_id: string }>('POST', `/webhooks/${id(endpointId)}/test`, { signal: o.signal })).delivery_id;
    },
    /** The endpoint's delivery log, newest first, each with its attempts. */
    async deliveries(endpointId: string, o: WebhookCallOptions & { limit?: number } = {}): Promise<WebhookDelivery[]> {
      const query = o.limit === undefined ? '' : `?limit=${o.limit}`;
      return (await call<{ data: WebhookDelivery[] }>('GET', `/webhooks/${id(endpointId)}/deliveries${query}`, { signal: o.signal })).data;
    },
    /** The secret that signs per-task callbacks (`callbackUrl` on createTask). */
    async callbackSecret(o: WebhookCallOptions = {}): Promise<string> {
      return (await call<{ secret: string }>('GET', '/webhooks/callback-secret', { signal: o.signal })).secret;
    },
  };
}

export type WebhookMethods = ReturnType<typeof createWebhookMethods>;
