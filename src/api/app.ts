/**
 * createApp(deps): the HTTP API as a Fastify instance that never listens by itself (main.ts
 * or a test calls listen/inject). Every response carries a request id (body and x-request-id)
 * and every error is a DashScope body `{request_id, code, message}` with a JSON content type.
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { KeyStore } from '../auth/key-store.js';
import type { BlobStore } from '../blobs/blob-store.js';
import type { UrlSigner } from '../blobs/url-signer.js';
import type { EngineRegistry } from '../engines/registry.js';
import type { RateLimiter } from '../limits/rate-limiter.js';
import type { TaskEvents } from '../tasks/task-events.js';
import { createBodyGate, type BodyLimits } from '../limits/body-gate.js';
import { ApiError, Errors } from '../errors.js';
import type { TaskFeed } from '../tasks/task-feed.js';
import type { Clock, TaskService } from '../tasks/task-service.js';
import type { Metrics } from '../metrics/registry.js';
import type { WebhookService } from '../webhooks/webhook-service.js';
import { serializeRequest } from './log-redact.js';
import { openApiDocument } from './openapi-descriptions.js';
import { registerAdminRoutes } from './routes/admin.js';
import { registerConsoleRoutes } from './routes/console.js';
import { registerFileRoutes } from './routes/files.js';
import { registerHealthRoutes, type ReadinessCheck } from './routes/health.js';
import { registerModelRoutes } from './routes/models.js';
import { registerOpenAiImageRoutes } from './routes/openai-images.js';
import { registerWebhookRoutes } from './routes/webhooks.js';
import { registerTaskRoutes } from './routes/tasks.js';
import { registerUploadRoutes } from './routes/uploads.js';
import type { UploadService } from '../uploads/upload-service.js';

export interface AppDeps {
  readonly tasks: TaskService;
  readonly keys: KeyStore;
  readonly engines: EngineRegistry;
  readonly blobs: BlobStore;
  /** Present when results are served by retouch itself (local disk). */
  readonly signer?: UrlSigner;
  readonly clock: Clock;
  readonly resultUrlTtlMs: number;
  readonly logLevel?: string;
  /** While true, new work is refused with 503 (graceful shutdown). */
  readonly isDraining?: () => boolean;
  /** Temporary uploads (`GET /api/v1/uploads?action=getPolicy`, multipart POST); absent = not offered. */
  readonly uploads?: UploadService;
  /** Per-workspace request rates; without a limiter nothing is throttled. */
  readonly limiter?: RateLimiter;
  /**
   * Requests per second and workspace; 0 = unlimited. `uploadPerSecond`: getPolicy per
   * workspace, and upload POSTs per client address (they carry no API key).
   */
  readonly rateLimits?: { readonly submitPerSecond: number; readonly queryPerSecond: number; readonly uploadPerSecond?: number };
  /** Budgets and receive deadline for submission and upload bodies (limits/body-gate.ts); unlimited if absent. */
  readonly bodyLimits?: BodyLimits;
  /** Task wake-ups (settled tasks), for requests that wait for a task; without them they poll. */
  readonly taskEvents?: TaskEvents;
  /** Task changes for long-poll and SSE; without it, wait hints are ignored and SSE is not offered. */
  readonly feed?: TaskFeed;
  readonly push?: { readonly maxWaitMs: number; readonly heartbeatMs: number };
  /** Webhook endpoints and task callbacks; absent = routes and callback header not offered. */
  readonly webhooks?: WebhookService;
  /** Prometheus metrics: HTTP counters here, GET /metrics (token-protected when metricsToken is set). */
  readonly metrics?: Metrics;
  readonly metricsToken?: string;
  /** What GET /readyz checks (the draining flag is always one). */
  readonly readiness?: readonly ReadinessCheck[];
}

/** 3 images × 10 MB, base64-encoded (×4/3), plus room for the rest of the JSON. */
export const BODY_LIMIT = 42 * 1024 * 1024;

/** For responses that are data, never documents (API, files, every error body). */
const API_CSP = "default-src 'none'; frame-ancestors 'none'";

export function sendError(reply: FastifyReply, error: ApiError): FastifyReply {
  return reply
    .status(error.status)
    .headers(error.headers)
    .header('content-security-policy', API_CSP)
    .type('application/json')
    .send({ request_id: reply.request.id, code: error.code, message: error.message });
}

/** Fastify's own errors (body parsing, limits) in DashScope terms. */
function toApiError(err: FastifyError | Error): ApiError {
  if (err instanceof ApiError) return err;
  const code = (err as FastifyError).code;
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return Errors.tooLarge();
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return Errors.notJson();
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return Errors.malformedBody();
  }
  const status = (err as FastifyError).statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return Errors.transport(status);
  }
  return Errors.internal(err);
}

/**
 * Requests Node's HTTP parser rejects before Fastify sees them (malformed request line or
 * headers, Content-Length/Transfer-Encoding conflicts, oversized headers, timeouts) still get
 * a DashScope JSON body, written straight to the socket.
 */
function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const error =
    err.code === 'HPE_HEADER_OVERFLOW' ? Errors.headersTooLarge() : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? Errors.requestTimeout() : Errors.transport(400);
  const { status, code, message } = error;
  const id = randomUUID();
  const body = JSON.stringify({ request_id: id, code, message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nx-request-id: ${id}\r\nx-content-type-options: nosniff\r\n` +
      `content-security-policy: ${API_CSP}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/**
 * Graceful close without waiting out keep-alive timeouts: once the server stops listening and
 * no request is in flight, the remaining keep-alive sockets are closed. Node's own idle check
 * (Fastify's `forceCloseConnections: 'idle'`) misses some sockets, e.g. after a streamed file
 * response, which then held `close()` for the whole 72 s keep-alive timeout.
 */
function closeKeptAliveConnectionsWhenDrained(app: FastifyInstance): void {
  let inFlight = 0;
  app.addHook('onRequest', async (_request, reply) => {
    inFlight++;
    reply.raw.once('close', () => inFlight--);
  });
  app.addHook('preClose', (done) => {
    const timer = setInterval(() => {
      if (inFlight > 0) return;
      clearInterval(timer);
      app.server.closeAllConnections();
    }, 25);
    app.server.once('close', () => clearInterval(timer));
    done();
  });
}

export function createApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    logger: { level: deps.logLevel ?? 'info', serializers: { req: serializeRequest } },
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    // Log lines carry the same name as the bodies and the webhook payloads.
    logController: new LogController({ requestIdLogLabel: 'request_id' }),
    bodyLimit: BODY_LIMIT,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // Slow or stalled clients must not hold sockets forever.
    requestTimeout: 120_000,
    connectionTimeout: 120_000,
    clientErrorHandler,
    // Router errors (a bad percent-encoding, a path parameter over maxParamLength) bypass the
    // error handler and the onRequest hook; answer them in the DashScope shape too.
    frameworkErrors: (err, request, reply) => {
      reply.header('x-request-id', request.id);
      reply.header('x-content-type-options', 'nosniff');
      reply.header('cache-control', 'no-store');
      const code = (err as FastifyError).code;
      const apiError = code === 'FST_ERR_BAD_URL' || code === 'FST_ERR_MAX_PARAM_LENGTH' ? Errors.badUrl() : toApiError(err);
      return sendError(reply, apiError);
    },
  });

  // One parser for every content type: the body is kept as bytes and only the create route
  // reads it (as JSON). GET and cancel ignore bodies, as the SDKs send Content-Type and, for
  // the asyncio cancel, a JSON body.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  closeKeptAliveConnectionsWhenDrained(app);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('cache-control', 'no-store');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    // API and file responses are data, never documents: nothing may load from or frame them.
    // Kept off other paths so that a browser console served later can load its own page.
    if (/^\/(api|files)\/|^\/(healthz|readyz|metrics|openapi\.json)(\?|$)/.test(request.url)) {
      reply.header('content-security-policy', API_CSP);
    }
  });

  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const apiError = toApiError(err);
    if (apiError.status >= 500) request.log.error({ err: apiError.cause ?? err }, 'request failed');
    return sendError(reply, apiError);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const known = [
      /^\/api\/v1\/services\/aigc\/[^/]+\/image-synthesis\/?$/,
      /^\/api\/v1\/tasks(\/[^/]+(\/cancel|\/events)?)?\/?$/,
      /^\/api\/v1\/uploads(\/oss)?\/?$/,
      /^\/(api\/)?v1\/models\/?$/,
      /^\/api\/v1\/webhooks(\/[^/]+(\/(test|deliveries))?)?\/?$/,
    ];
    if (known.some((re) => re.test(path))) return sendError(reply, Errors.methodNotSupported(request.method));
    return sendError(reply, Errors.notFound());
  });

  const metrics = deps.metrics;
  if (metrics) {
    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
      metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    });
  }
  registerHealthRoutes(app, {
    checks: [{ name: 'accepting', check: async () => (deps.isDraining?.() ? 'draining (shutting down)' : undefined) }, ...(deps.readiness ?? [])],
    metrics,
    metricsToken: deps.metricsToken,
    openApi: openApiDocument,
  });
  const bodyGate = deps.bodyLimits ? createBodyGate(deps.bodyLimits) : undefined;
  registerTaskRoutes(app, deps, bodyGate);
  registerModelRoutes(app, { keys: deps.keys, engines: deps.engines, startedAt: deps.clock.now() });
  registerOpenAiImageRoutes(app, deps, bodyGate);
  if (deps.webhooks) registerWebhookRoutes(app, { keys: deps.keys, webhooks: deps.webhooks });
  registerAdminRoutes(app, deps);
  registerConsoleRoutes(app);
  if (deps.uploads) {
    registerUploadRoutes(app, {
      keys: deps.keys,
      engines: deps.engines,
      uploads: deps.uploads,
      bodyGate,
      limiter: deps.limiter,
      perSecond: deps.rateLimits?.uploadPerSecond ?? 0,
      clock: deps.clock,
    });
  }
  if (deps.signer) {
    // Result keys are "<workspace>/results/<task id>/<index>.png" (worker/worker.ts).
    const isLive = async (key: string): Promise<boolean> => {
      const m = /^([^/]+)\/results\/([^/]+)\/[^/]+$/.exec(key);
      return !m || (await deps.tasks.get(m[2]!, m[1]!)) !== undefined;
    };
    registerFileRoutes(app, { blobs: deps.blobs, signer: deps.signer, clock: deps.clock, isLive });
  }
  return app;
}
