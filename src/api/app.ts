/**
 * createApp(deps): the HTTP API as a Fastify instance that never listens by itself (main.ts
 * or a test calls listen/inject). Every response carries a request id (body and x-request-id)
 * and every error is a DashScope body `{request_id, code, message}` with a JSON content type.
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { resultKeyOwner } from '../blobs/keys.js';
import { createBodyGate } from '../limits/body-gate.js';
import { ApiError, Errors } from '../errors.js';
import { serializeRequest } from './log-redact.js';
import { openApiDocument } from './openapi-descriptions.js';
import { registerAdminRoutes } from './routes/admin.js';
import { registerConsoleRoutes } from './routes/console.js';
import { registerFileRoutes } from './routes/files.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerModelRoutes } from './routes/models.js';
import { OpenAiError, sendOpenAiError } from './routes/openai-errors.js';
import { registerOpenAiImageRoutes } from './routes/openai-images.js';
import { registerWebhookRoutes } from './routes/webhooks.js';
import { registerTaskRoutes } from './routes/tasks.js';
import { registerUploadRoutes } from './routes/uploads.js';
import type { AppDeps } from './deps.js';

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
 * Answers a request refused before its route ran in the caller's protocol: OpenAI's shape on the
 * OpenAI-compatible `/v1` paths, DashScope's everywhere else.
 */
function sendBeforeRouting(request: FastifyRequest, reply: FastifyReply, apiError: ApiError, openAiCode: string): FastifyReply {
  if (/^\/v1(\/|\?|$)/.test(request.raw.url ?? request.url)) {
    const code = apiError.status >= 500 ? 'internal_error' : apiError.code === 'InvalidParameter' ? openAiCode : 'invalid_value';
    return sendOpenAiError(reply.header('content-security-policy', API_CSP), new OpenAiError(apiError.status, apiError.message, code));
  }
  return sendError(reply, apiError);
}

/**
 * Graceful close without waiting out keep-alive timeouts: once the server stops listening and
 * no request is in flight, the remaining keep-alive sockets are closed. Node's own idle check
 * (Fastify's `forceCloseConnections: 'idle'`) misses some sockets, e.g. after a streamed file
 * response, which then held `close()` for the whole 72 s keep-alive timeout.
 */
function closeKeptAliveConnectionsWhenDrained(app: FastifyInstance): void {
  let inFlight = 0;
  const done = () => inFlight--;
  app.addHook('onRequest', (_request, reply, next) => {
    inFlight++;
    // `on`, not `once`: a response emits 'close' once and is then dropped, so the listener needs
    // no removal (once's wrapper and removeListener were ~0.3 µs per request).
    reply.raw.on('close', done);
    next();
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
    // A silent logger's child logs nothing either: requests share the root one then (pino's
    // child() was ~1.7 % of a cached GET's main-thread time). A route's own level still gets a child.
    childLoggerFactory: (logger, bindings, options) =>
      logger.level === 'silent' && (options.level ?? 'silent') === 'silent' ? logger : logger.child(bindings, options),
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
    // Node answers an HTTP/1.1 request without a Host header itself, with an empty 400; the
    // onRequest hook below answers it in the caller's protocol instead.
    http: { requireHostHeader: false },
    // Router errors (a bad percent-encoding, a path parameter over maxParamLength) bypass the
    // error handler and the onRequest hook; answer them in the DashScope shape too.
    frameworkErrors: (err, request, reply) => {
      reply.header('x-request-id', request.id);
      reply.header('x-content-type-options', 'nosniff');
      reply.header('cache-control', 'no-store');
      const code = (err as FastifyError).code;
      const apiError = code === 'FST_ERR_BAD_URL' || code === 'FST_ERR_MAX_PARAM_LENGTH' ? Errors.badUrl() : toApiError(err);
      return sendBeforeRouting(request, reply, apiError, 'invalid_url');
    },
  });

  // One parser for every content type: the body is kept as bytes and only the create route
  // reads it (as JSON). GET and cancel ignore bodies, as the SDKs send Content-Type and, for
  // the asyncio cancel, a JSON body.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  closeKeptAliveConnectionsWhenDrained(app);

  // The same headers on every answer, set in one call; the CSP test is a prefix check first.
  const commonHeaders = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY' };
  const dataPath = /^\/(api|files)\/|^\/(healthz|readyz|metrics|openapi\.json)(\?|$)/;
  // Callback hooks (not async): no promise per request and hook.
  app.addHook('onRequest', (request, reply, next) => {
    reply.header('x-request-id', request.id);
    reply.headers(commonHeaders);
    // HTTP/1.1 requires Host (RFC 9112 §3.2); Node no longer refuses it (requireHostHeader above).
    if (request.headers.host === undefined && request.raw.httpVersionMajor === 1 && request.raw.httpVersionMinor === 1) {
      reply.header('connection', 'close');
      return void sendBeforeRouting(request, reply, Errors.missingHost(), 'invalid_request');
    }
    // API and file responses are data, never documents: nothing may load from or frame them.
    // Kept off other paths so that a browser console served later can load its own page.
    if (request.url.startsWith('/api/') || dataPath.test(request.url)) reply.header('content-security-policy', API_CSP);
    next();
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
    // The labelled series are looked up once per (method, route, status), not hashed per request.
    const series = new Map<string, { count: { inc(): void }; duration: { observe(v: number): void } }>();
    app.addHook('onResponse', (request, reply, next) => {
      const route = request.routeOptions.url ?? 'unmatched';
      const key = `${request.method} ${route} ${reply.statusCode}`;
      let s = series.get(key);
      if (!s) {
        s = {
          count: metrics.httpRequests.labels({ method: request.method, route, status: String(reply.statusCode) }),
          duration: metrics.httpDuration.labels({ method: request.method, route }),
        };
        // Unmatched routes are one label value, so the map is bounded by routes × methods × statuses.
        series.set(key, s);
      }
      s.count.inc();
      s.duration.observe(reply.elapsedTime / 1000);
      next();
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
    // A result link outlives nothing: once its task is gone, so is the file (other keys: no task).
    const isLive = async (key: string): Promise<boolean> => {
      const owner = resultKeyOwner(key);
      return !owner || (await deps.tasks.get(owner.taskId, owner.workspaceId)) !== undefined;
    };
    registerFileRoutes(app, { blobs: deps.blobs, signer: deps.signer, clock: deps.clock, isLive });
  }
  return app;
}
