/**
 * Webhook endpoints of the caller key's workspace (docs/webhooks.md):
 * list, create (the signing secret is shown once), delete, send a test event, read the delivery
 * log; and the workspace's callback secret, which signs `X-Retouch-Callback-Url` deliveries.
 * Bodies are validated with the zod schemas below, which also describe the routes in OpenAPI.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { KeyStore } from '../../auth/key-store.js';
import { Errors, invalidParameter } from '../../errors.js';
import { TASK_EVENTS } from '../../webhooks/events.js';
import type { WebhookService } from '../../webhooks/webhook-service.js';
import type { AttemptRecord, DeliveryRecord, EndpointRecord } from '../../webhooks/webhook-store.js';
import type { ApiDescription } from '../openapi.js';
import { AUTH_ERRORS, COMMON_SCHEMAS } from '../schemas.js';
import { authenticate } from '../auth.js';

const eventName = z.union([z.enum(TASK_EVENTS), z.literal('*')]);

export const createWebhookBody = z.object({
  url: z.string().max(2048).describe('An http(s) URL; private, loopback and metadata addresses are refused unless allow-listed.'),
  events: z.array(eventName).max(10).optional().describe('Event filter; omitted or empty = every event ("*").'),
  description: z.string().max(200).optional(),
});

const endpointSchema = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(eventName),
  description: z.string(),
  created_at: z.string().describe('ISO 8601'),
});
const createdSchema = endpointSchema.extend({
  request_id: z.string(),
  secret: z.string().describe('The signing secret (whsec_…), shown only in this answer.'),
});
const listSchema = z.object({ request_id: z.string(), data: z.array(endpointSchema) });
const attemptSchema = z.object({
  attempt: z.number().int(),
  started_at: z.string(),
  duration_ms: z.number().int(),
  status: z.number().int().optional().describe("The receiver's HTTP status; absent when no response came."),
  error: z.string().optional(),
});
const deliverySchema = z.object({
  id: z.string().describe('The webhook-id header: the same for every attempt, for deduplication.'),
  event_type: z.string(),
  task_id: z.string().optional(),
  state: z.enum(['pending', 'delivered', 'failed', 'canceled']),
  attempts: z.number().int(),
  next_attempt_at: z.string().optional().describe('When pending: the next attempt.'),
  last_status: z.number().int().optional(),
  last_error: z.string().optional(),
  created_at: z.string(),
  attempt_log: z.array(attemptSchema),
});
const deliveriesSchema = z.object({ request_id: z.string(), data: z.array(deliverySchema) });
const testSchema = z.object({ request_id: z.string(), delivery_id: z.string() });
const secretSchema = z.object({ request_id: z.string(), secret: z.string() });

const iso = (ms: number) => new Date(ms).toISOString();

function presentEndpoint(e: EndpointRecord): z.infer<typeof endpointSchema> {
  return { id: e.id, url: e.url, events: e.events as z.infer<typeof eventName>[], description: e.description, created_at: iso(e.createdAt) };
}

function presentAttempt(a: AttemptRecord): z.infer<typeof attemptSchema> {
  return {
    attempt: a.attempt,
    started_at: iso(a.startedAt),
    duration_ms: a.durationMs,
    ...(a.status === undefined ? {} : { status: a.status }),
    ...(a.error === undefined ? {} : { error: a.error }),
  };
}

function presentDelivery(d: DeliveryRecord & { attemptLog: AttemptRecord[] }): z.infer<typeof deliverySchema> {
  return {
    id: d.id,
    event_type: d.eventType,
    ...(d.taskId === undefined ? {} : { task_id: d.taskId }),
    state: d.state,
    attempts: d.attempts,
    ...(d.state === 'pending' ? { next_attempt_at: iso(d.nextAttemptAt) } : {}),
    ...(d.lastStatus === undefined ? {} : { last_status: d.lastStatus }),
    ...(d.lastError === undefined ? {} : { last_error: d.lastError }),
    created_at: iso(d.createdAt),
    attempt_log: d.attemptLog.map(presentAttempt),
  };
}

function parseJson(body: unknown): unknown {
  if (!Buffer.isBuffer(body) || body.length === 0) throw Errors.malformedBody();
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw Errors.malformedBody();
  }
}

/** A zod failure as one DashScope InvalidParameter message naming the field. */
function problem(error: z.ZodError): Error {
  const issue = error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'body';
  return invalidParameter(`Parameter ${where} is invalid: ${issue?.message ?? 'invalid value'}.`);
}

export function registerWebhookRoutes(app: FastifyInstance, deps: { keys: KeyStore; webhooks: WebhookService }): void {
  const caller = (request: FastifyRequest) => authenticate(request, deps.keys);
  const limit = (raw: unknown): number => {
    if (raw === undefined) return 50;
    const n = Number(raw);
    if (typeof raw !== 'string' || !/^\d+$/.test(raw) || n < 1 || n > 200) throw invalidParameter('Parameter limit must be an integer between 1 and 200.');
    return n;
  };

  app.get('/api/v1/webhooks', async (request) => {
    const { workspaceId } = await caller(request);
    return { request_id: request.id, data: (await deps.webhooks.list(workspaceId)).map(presentEndpoint) };
  });

  app.post('/api/v1/webhooks', async (request) => {
    const { workspaceId } = await caller(request);
    const parsed = createWebhookBody.safeParse(parseJson(request.body));
    if (!parsed.success) throw problem(parsed.error);
    const endpoint = await deps.webhooks.create(workspaceId, parsed.data);
    return { request_id: request.id, ...presentEndpoint(endpoint), secret: endpoint.secret };
  });

  app.get('/api/v1/webhooks/callback-secret', async (request) => {
    const { workspaceId } = await caller(request);
    return { request_id: request.id, secret: await deps.webhooks.callbackSecret(workspaceId) };
  });

  app.delete<{ Params: { id: string } }>('/api/v1/webhooks/:id', async (request) => {
    const { workspaceId } = await caller(request);
    await deps.webhooks.remove(workspaceId, request.params.id);
    return { request_id: request.id };
  });

  app.post<{ Params: { id: string } }>('/api/v1/webhooks/:id/test', async (request) => {
    const { workspaceId } = await caller(request);
    return { request_id: request.id, delivery_id: await deps.webhooks.test(workspaceId, request.params.id) };
  });

  app.get<{ Params: { id: string }; Querystring: { limit?: unknown } }>('/api/v1/webhooks/:id/deliveries', async (request) => {
    const { workspaceId } = await caller(request);
    const rows = await deps.webhooks.deliveries(workspaceId, request.params.id, limit(request.query.limit));
    return { request_id: request.id, data: rows.map(presentDelivery) };
  });
}

const idParam = { id: 'The endpoint id (wh_…).' };
const notFound = { description: 'No such endpoint in this workspace (NotFound).', schema: 'ErrorBody' } as const;

export const webhookApiDescription: ApiDescription = {
  tag: { name: 'webhooks', description: "Signed event deliveries (Standard Webhooks) to the workspace's endpoints; see docs/webhooks.md." },
  schemas: {
    ...COMMON_SCHEMAS,
    CreateWebhookRequest: createWebhookBody,
    WebhookEndpoint: endpointSchema,
    CreatedWebhookEndpoint: createdSchema,
    WebhookEndpointList: listSchema,
    WebhookAttempt: attemptSchema,
    WebhookDelivery: deliverySchema,
    WebhookDeliveryList: deliveriesSchema,
    WebhookTestResponse: testSchema,
    CallbackSecret: secretSchema,
  },
  operations: [
    {
      method: 'get',
      path: '/api/v1/webhooks',
      operationId: 'listWebhooks',
      tag: 'webhooks',
      summary: "List the workspace's webhook endpoints",
      responses: { '200': { description: 'The endpoints (without secrets).', schema: 'WebhookEndpointList' }, ...AUTH_ERRORS },
    },
    {
      method: 'post',
      path: '/api/v1/webhooks',
      operationId: 'createWebhook',
      tag: 'webhooks',
      summary: 'Add a webhook endpoint',
      body: 'CreateWebhookRequest',
      responses: {
        '200': { description: 'The endpoint, with its signing secret (shown once).', schema: 'CreatedWebhookEndpoint' },
        '400': { description: 'Invalid body (InvalidParameter) or refused URL (InvalidURL).', schema: 'ErrorBody' },
        ...AUTH_ERRORS,
      },
    },
    {
      method: 'get',
      path: '/api/v1/webhooks/callback-secret',
      operationId: 'getCallbackSecret',
      tag: 'webhooks',
      summary: 'The secret that signs per-task callbacks (X-Retouch-Callback-Url)',
      responses: { '200': { description: "The workspace's callback secret.", schema: 'CallbackSecret' }, ...AUTH_ERRORS },
    },
    {
      method: 'delete',
      path: '/api/v1/webhooks/{id}',
      operationId: 'deleteWebhook',
      tag: 'webhooks',
      summary: 'Remove an endpoint (its pending deliveries are canceled)',
      pathParams: idParam,
      responses: { '200': { description: 'Removed.', schema: 'RequestIdOnly' }, '404': notFound, ...AUTH_ERRORS },
    },
    {
      method: 'post',
      path: '/api/v1/webhooks/{id}/test',
      operationId: 'testWebhook',
      tag: 'webhooks',
      summary: 'Send a webhook.test event to the endpoint',
      pathParams: idParam,
      responses: { '200': { description: 'Queued; follow it in the delivery log.', schema: 'WebhookTestResponse' }, '404': notFound, ...AUTH_ERRORS },
    },
    {
      method: 'get',
      path: '/api/v1/webhooks/{id}/deliveries',
      operationId: 'listWebhookDeliveries',
      tag: 'webhooks',
      summary: "The endpoint's delivery log, newest first",
      pathParams: idParam,
      query: { limit: { description: 'At most this many deliveries (1–200, default 50).', schema: z.string().regex(/^\d+$/) } },
      responses: {
        '200': { description: 'Deliveries with their attempts.', schema: 'WebhookDeliveryList' },
        '400': { description: 'Invalid limit.', schema: 'ErrorBody' },
        '404': notFound,
        ...AUTH_ERRORS,
      },
    },
  ],
};
