/** The DashScope task endpoints: create, query, list, cancel. */
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isRequestProblem, validateCreateRequest, isTaskStatus, parseListTime, type CreateTaskResponse, type ListTasksResponse } from '@retouch/sdk/protocol';
import { ApiError, Errors, fromProblem, invalidParameter } from '../../errors.js';
import type { Caller, ListTasksQuery } from '../../tasks/task-service.js';
import type { AppDeps } from '../deps.js';
import type { BodyGate } from '../../limits/body-gate.js';
import { authenticate } from '../auth.js';
import { presentListItem, presentTask, unknownTask } from '../present.js';
import { waitForChange, waitHint } from '../long-poll.js';
import { fingerprint, idempotencyKey, IDEMPOTENCY_TTL_MS } from '../idempotency.js';
import { registerEventRoutes } from './events.js';
import { bodyWithoutRequestId, createTaskBodyCache, withRequestId } from '../task-body-cache.js';

const DAY_MS = 24 * 3_600_000;
const MAX_PAGE_SIZE = 100;

function parseBody(body: unknown): unknown {
  if (!Buffer.isBuffer(body) || body.length === 0) throw Errors.malformedBody();
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw Errors.malformedBody();
  }
}

function isAsync(request: FastifyRequest): boolean {
  const header = request.headers['x-dashscope-async'];
  return typeof header === 'string' && header.trim().toLowerCase() === 'enable';
}

function ossResolve(request: FastifyRequest): boolean {
  const header = request.headers['x-dashscope-ossresourceresolve'];
  return typeof header === 'string' && header.trim().toLowerCase() === 'enable';
}

function positiveInt(value: unknown, name: string, fallback: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || n < 1 || n > max) {
    throw invalidParameter(`Parameter ${name} must be an integer between 1 and ${max}.`);
  }
  return n;
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw invalidParameter(`Parameter ${name} must be given once.`);
  return value;
}

function parseListQuery(query: Record<string, unknown>, now: number): ListTasksQuery {
  const time = (name: string): number | undefined => {
    const raw = optionalString(query[name], name);
    if (raw === undefined) return undefined;
    const ms = parseListTime(raw);
    if (ms === undefined) throw invalidParameter(`Parameter ${name} must be a time like 20230420193058 (YYYYMMDDhhmmss).`);
    return ms;
  };
  const start = time('start_time');
  const end = time('end_time');
  const from = start ?? (end !== undefined ? end - DAY_MS : now - DAY_MS);
  const to = end ?? (start !== undefined ? start + DAY_MS : now);
  if (to < from) throw invalidParameter('Parameter end_time must not be before start_time.');
  if (to - from > DAY_MS) throw invalidParameter('The span between start_time and end_time must not exceed 24 hours.');
  const status = optionalString(query.status, 'status');
  if (status !== undefined && !isTaskStatus(status)) {
    throw invalidParameter('Parameter status must be one of PENDING, RUNNING, SUCCEEDED, FAILED, CANCELED, UNKNOWN.');
  }
  return {
    taskId: optionalString(query.task_id, 'task_id'),
    model: optionalString(query.model_name, 'model_name'),
    status: status as ListTasksQuery['status'],
    from,
    to,
    pageNo: positiveInt(query.page_no, 'page_no', 1, 1_000_000),
    pageSize: positiveInt(query.page_size, 'page_size', 10, MAX_PAGE_SIZE),
  };
}

/** `X-Retouch-Callback-Url` (webhooks/): checked against the outbound address policy now. */
async function callbackUrlOf(request: FastifyRequest, deps: AppDeps): Promise<string | undefined> {
  const header = request.headers['x-retouch-callback-url'];
  if (header === undefined) return undefined;
  if (!deps.webhooks) throw invalidParameter('Task callbacks are not enabled on this server.');
  return deps.webhooks.checkCallbackUrl(header);
}

export function registerTaskRoutes(app: FastifyInstance, deps: AppDeps, bodyGate?: BodyGate): void {
  const refuseWhileDraining = () => {
    if (deps.isDraining?.()) throw Errors.unavailable();
  };

  // Rate limits are per workspace, so they apply after authentication. Submissions are checked
  // in preParsing, before the (up to 42 MB) body is read: an unauthenticated or throttled client
  // never gets its body buffered. The handler then reuses the caller found there.
  const callers = new WeakMap<FastifyRequest, Caller>();
  const admit = async (request: FastifyRequest, kind: 'submit' | 'query', options: { allowQueryKey?: boolean } = {}): Promise<Caller> => {
    const known = callers.get(request);
    if (known) return known;
    const caller = await authenticate(request, deps.keys, options);
    const perSecond = kind === 'submit' ? deps.rateLimits?.submitPerSecond : deps.rateLimits?.queryPerSecond;
    if (deps.limiter && perSecond) {
      const decision = await deps.limiter.take(`${kind}:${caller.workspaceId}`, perSecond, 1000, deps.clock.now());
      if (!decision.allowed) throw Errors.rateLimited(decision.retryAfterMs);
    }
    return caller;
  };
  // The body budget is per workspace as well as per process, reserved by bytes as they arrive,
  // with a receive deadline (limits/body-gate.ts): the tenant is known here, before the body.
  const admitSubmission = {
    preParsing: async (request: FastifyRequest, reply: FastifyReply, payload: NodeJS.ReadableStream) => {
      const caller = await admit(request, 'submit');
      // Remembered for the handler's own admit; only here: a WeakMap insert per GET cost ~0.5 µs.
      callers.set(request, caller);
      return bodyGate ? bodyGate.meter(caller.workspaceId, reply.raw, payload as Readable) : payload;
    },
  };

  app.post('/api/v1/services/aigc/image2image/image-synthesis', admitSubmission, async (request, reply): Promise<CreateTaskResponse | FastifyReply> => {
    const caller = await admit(request, 'submit');
    if (!isAsync(request)) throw Errors.syncNotSupported();
    refuseWhileDraining();
    // Echoed on every answer about a keyed request (errors too): tells clients the server honours
    // keys, so that they may retry a create that failed on the way.
    const key = idempotencyKey(request);
    if (key !== undefined) reply.header('idempotency-key', key);
    const body = parseBody(request.body);
    const parsed = validateCreateRequest(body);
    if (isRequestProblem(parsed)) throw fromProblem(parsed);
    if (!deps.engines.has(parsed.model)) throw Errors.modelNotExist();
    const callbackUrl = await callbackUrlOf(request, deps);
    const abort = new AbortController();
    request.raw.once('close', () => request.raw.destroyed && abort.abort());
    const options = {
      requestId: request.id,
      ossResolve: ossResolve(request),
      signal: abort.signal,
      ...(callbackUrl === undefined ? {} : { callbackUrl }),
    };
    const answer = (taskId: string) => ({ output: { task_status: 'PENDING' as const, task_id: taskId }, request_id: request.id });
    if (key === undefined) {
      const task = await deps.tasks.create(parsed, caller, options);
      request.log.info({ task_id: task.id }, 'task created');
      return reply.send(answer(task.id));
    }
    const outcome = await deps.tasks.createIdempotent(parsed, caller, options, {
      key,
      fingerprint: fingerprint(body, options.ossResolve),
      ttlMs: IDEMPOTENCY_TTL_MS,
    });
    if (outcome.kind === 'mismatch') throw Errors.idempotencyMismatch();
    // A replay answers as the original create did: same task id, same shape, HTTP 200.
    if (outcome.kind === 'replayed') reply.header('idempotent-replayed', 'true');
    else request.log.info({ task_id: outcome.taskId }, 'task created');
    return reply.send(answer(outcome.taskId));
  });

  // The text-to-image path: DashScope answers "url error" when an image-edit model is sent here.
  app.post('/api/v1/services/aigc/text2image/image-synthesis', admitSubmission, async (request) => {
    await admit(request, 'submit');
    if (!isAsync(request)) throw Errors.syncNotSupported();
    let model: unknown;
    try {
      model = (parseBody(request.body) as { model?: unknown } | null)?.model;
    } catch {
      model = undefined;
    }
    if (typeof model === 'string' && deps.engines.has(model)) throw Errors.urlError();
    throw Errors.modelNotExist();
  });

  // preClose: waiting long-polls answer at once, so that app.close() does not wait them out.
  const closing = new AbortController();
  app.addHook('preClose', (done) => {
    closing.abort();
    done();
  });

  // Settled tasks' bodies, built and signed once (task-body-cache.ts).
  const bodies = createTaskBodyCache();
  app.get<{ Params: { id: string } }>('/api/v1/tasks/:id', async (request, reply) => {
    const caller = await admit(request, 'query');
    const json = (body: string) => reply.type('application/json; charset=utf-8').send(withRequestId(request.id, body));
    const present = async (task: Awaited<ReturnType<typeof deps.tasks.get>>) => {
      if (!task) return unknownTask(request.id, request.params.id);
      const body = bodyWithoutRequestId(await presentTask(task, request.id, (key, expiresAt) => deps.blobs.urlFor(key, expiresAt), deps.resultUrlTtlMs));
      bodies.put(task, body, deps.clock.now());
      return json(body);
    };
    // Without a wait hint (every DashScope client): one read, as always.
    const hint = waitHint(request);
    const seconds = hint === undefined || !deps.feed || !deps.push ? 0 : Math.min(hint, Math.floor(deps.push.maxWaitMs / 1000));
    const release = seconds > 0 ? deps.feed!.admit(caller.workspaceId) : undefined;
    if (!release) {
      const cached = bodies.get(caller.workspaceId, request.params.id, deps.clock.now());
      return cached !== undefined ? json(cached) : present(await deps.tasks.get(request.params.id, caller.workspaceId));
    }
    const gone = new AbortController();
    const onGone = () => gone.abort();
    reply.raw.once('close', onGone);
    closing.signal.addEventListener('abort', onGone, { once: true });
    try {
      if (closing.signal.aborted) gone.abort();
      const task = await waitForChange(deps.feed!, deps.tasks, request.params.id, caller.workspaceId, seconds * 1000, gone.signal);
      reply.header('preference-applied', `wait=${seconds}`);
      return await present(task);
    } finally {
      release();
      reply.raw.off('close', onGone);
      closing.signal.removeEventListener('abort', onGone);
    }
  });

  app.get<{ Querystring: Record<string, unknown> }>('/api/v1/tasks', async (request): Promise<ListTasksResponse> => {
    const caller = await admit(request, 'query');
    const query = parseListQuery(request.query, deps.clock.now());
    const { total, items } = await deps.tasks.list(caller.workspaceId, query);
    return {
      request_id: request.id,
      total,
      total_page: Math.ceil(total / query.pageSize),
      page_no: query.pageNo,
      page_size: query.pageSize,
      data: items.map(presentListItem),
    };
  });

  app.post<{ Params: { id: string } }>('/api/v1/tasks/:id/cancel', async (request) => {
    const caller = await admit(request, 'query');
    if (!(await deps.tasks.cancel(request.params.id, caller.workspaceId))) throw Errors.cannotCancel();
    return { request_id: request.id };
  });

  if (deps.feed) registerEventRoutes(app, { ...deps, feed: deps.feed }, admit);
}
