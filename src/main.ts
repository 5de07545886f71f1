/**
 * Composition root: config → adapters (backends.ts) → roles → lifecycle.
 *
 * Roles: `api` serves HTTP and never runs edits; `worker` runs edits and opens no port; `all`
 * does both (the single-node default). Every role runs the reaper: recovery and reaping are
 * idempotent and lock-free across nodes (SKIP LOCKED), so N nodes only split the work, and a
 * deployment keeps recovering tasks as long as any node is up.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { createApp } from './api/app.js';
import { openBackends } from './backends.js';
import { DEFAULT_WORKSPACE, type KeyStore } from './auth/key-store.js';
import { createCachedKeyStore } from './auth/key-cache.js';
import type { Config } from './config.js';
import type { Engine } from './engines/engine.js';
import { createLocalEngine } from './engines/local/local-engine.js';
import { createEngineRegistry } from './engines/registry.js';
import { createTestEngine, TEST_MODEL } from './engines/test-engine.js';
import { createImageResolver } from './inputs/resolve-images.js';
import { createPolicySigner } from './uploads/policy.js';
import { createUploadService } from './uploads/upload-service.js';
import { MODEL_WAN25_I2I } from '@retouch/sdk/protocol';
import { createTaskFeed } from './tasks/task-feed.js';
import { createTaskService, type Clock } from './tasks/task-service.js';
import { createReaper } from './worker/reaper.js';
import { createWorker } from './worker/worker.js';
import { instrumentEngines } from './metrics/instrument-engines.js';
import { createMetrics } from './metrics/registry.js';
import { createDispatcher } from './webhooks/dispatcher.js';
import { createPayloadRenderer } from './webhooks/payload.js';
import { postWebhook } from './webhooks/sender.js';
import { createWebhookService } from './webhooks/webhook-service.js';

export interface RunningServer {
  /** The API's address; empty on a worker node, which has no HTTP port. */
  readonly url: string;
  readonly app: FastifyInstance;
  /** Drains: stops accepting, lets running edits finish (or hands them back), closes stores. */
  close(): Promise<void>;
}

export interface StartOptions {
  readonly clock?: Clock;
  /**
   * The API-key cache's monotonic milliseconds (default performance.now): its revocation bound is
   * real time, not the service clock's; a test advances this one to pass the bound without waiting.
   */
  readonly keyCacheNow?: () => number;
  /** Receives a newly generated API key, which is shown once and stored only as a hash. */
  readonly onKeyCreated?: (secret: string) => void;
}

const systemClock: Clock = { now: () => Date.now() };

/** A body may start slowly (TCP slow start, a client's own latency) before its rate is judged. */
const BODY_RATE_GRACE_MS = 5000;

/**
 * RETOUCH_API_KEY is accepted for the default workspace; with none at all, one is created. Either
 * is an admin key (the operator's own), so the admin API and console work from the first start.
 */
async function ensureApiKey(keys: KeyStore, config: Config, clock: Clock, onKeyCreated?: (secret: string) => void) {
  if (config.apiKey) {
    await keys.create({ workspaceId: DEFAULT_WORKSPACE, name: 'RETOUCH_API_KEY', secret: config.apiKey, admin: true, now: clock.now() });
    return;
  }
  const active = (await keys.list()).filter((k) => k.revokedAt === undefined);
  if (active.length === 0) {
    const { secret } = await keys.create({ workspaceId: DEFAULT_WORKSPACE, name: 'first start', admin: true, now: clock.now() });
    onKeyCreated?.(secret);
  }
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  // libvips' operation cache keeps recent operations and their images for reuse; a service sees
  // each input once, so it only adds bookkeeping to every pipeline (a fifth of a small one's
  // CPU, measured in docs/benchmarks.md) and holds memory for nothing.
  sharp.cache(false);
  const clock = options.clock ?? systemClock;
  const serveApi = config.role !== 'worker';
  const runWorker = config.role !== 'api' && config.workerConcurrency > 0;
  let baseUrl = config.publicBaseUrl ?? '';
  const backends = await openBackends(config, clock, () => baseUrl);
  const { tasks, queue, events, blobs, signer } = backends;
  // Authentication without a lookup per request; a revoke takes effect within KEY_CACHE_TTL_MS everywhere.
  const keys = createCachedKeyStore(backends.keys, { now: options.keyCacheNow });
  if (serveApi) await ensureApiKey(keys, config, clock, options.onKeyCreated);

  // Temporary uploads (oss:// inputs): policies are signed with the result-link keys.
  const uploads = createUploadService({
    store: backends.uploads,
    signer: createPolicySigner(backends.signingKeys),
    clock,
    baseUrl: () => baseUrl,
    settings: config.uploads,
  });

  // Engines log through the app's logger, which exists only once the app is built below.
  let logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void } | undefined;
  const routingLog = {
    info: (obj: object, msg: string) => logger?.info(obj, msg),
    warn: (obj: object, msg: string) => logger?.warn(obj, msg),
  };
  const metrics = createMetrics();
  metrics.setSources({ taskCounts: () => tasks.countByStatus(clock.now()), pendingDeliveries: () => backends.webhooks.countPending() });
  // One built-in engine per process, created on first use, shared by every local/auto route.
  let localEngine: Engine | undefined;
  const engines = instrumentEngines(
    createEngineRegistry({
      table: config.routes,
      localEngine: () =>
        (localEngine ??= createLocalEngine({
          mlIdleTimeoutMs: config.mlIdleTimeoutMs,
          mlRecycleAboveBytes: config.mlRecycleAboveBytes,
          isnet: config.isnet,
          onnxRuntime: config.onnxRuntime,
          log: routingLog,
          png: config.png,
        })),
      extra: config.enableTestEngine ? { [TEST_MODEL]: { engine: createTestEngine({ runLog: config.testEngineLog }), engineName: 'test' } } : {},
      log: routingLog,
    }),
    metrics,
  );
  const nodeId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  // Long-poll and SSE: one fan-out of the store's change notifications per process.
  const feed = serveApi
    ? createTaskFeed({
        events,
        load: (id) => tasks.get(id),
        maxPerWorkspace: config.push.maxPerWorkspace,
        maxTotal: config.push.maxTotal,
        onError: (err) => app.log.error({ err }, 'reading a changed task failed'),
      })
    : undefined;

  // Webhooks: every node runs a dispatcher; they split the shared outbox (see webhooks/).
  const dispatcher = createDispatcher({
    store: backends.webhooks,
    render: createPayloadRenderer({ getTask: (id) => tasks.get(id), urlFor: (key, at) => blobs.urlFor(key, at), resultUrlTtlMs: config.resultUrlTtlMs }),
    send: (url, body, headers) => postWebhook(url, body, headers, { allow: config.webhooks.allow, timeoutMs: config.webhooks.timeoutMs }),
    clock,
    dispatcherId: nodeId,
    settings: { ...config.webhooks, schedule: config.webhooks.retrySchedule },
    metrics: {
      attempt: (result, seconds) => {
        metrics.webhookAttempts.inc({ result });
        metrics.webhookAttemptDuration.observe(seconds);
      },
      finished: (state) => metrics.webhookDeliveries.inc({ outcome: state }),
    },
    log: { warn: (obj, msg) => app.log.warn(obj, msg), error: (obj, msg) => app.log.error(obj, msg) },
  });
  const webhooks = createWebhookService({ store: backends.webhooks, clock, allow: config.webhooks.allow, onEnqueued: () => dispatcher.wake() });

  let draining = false;
  // A worker node builds the app too (never listening): its logger is the process's logger.
  const app = createApp({
    tasks: createTaskService({
      store: tasks,
      blobs,
      images: createImageResolver({ fetch: config.fetch, uploads: uploads.reader }),
      clock,
      newId: randomUUID,
      retentionMs: config.retentionMs,
      forwardCancel: async (task) => {
        const upstream = task.upstream && engines.upstream(task.upstream.route);
        return upstream ? upstream.cancel(task.upstream!.id).catch(() => false) : false;
      },
      callbacks: { register: (taskId, workspaceId, url) => webhooks.registerCallback(taskId, workspaceId, url) },
    }),
    keys,
    engines,
    blobs,
    signer,
    clock,
    resultUrlTtlMs: config.resultUrlTtlMs,
    logLevel: config.logLevel,
    isDraining: () => draining,
    uploads,
    limiter: backends.limiter,
    rateLimits: { ...config.rateLimits, uploadPerSecond: config.uploadRatePerSecond },
    bodyLimits: {
      totalBytes: config.maxInflightBodyBytes,
      perTenantBytes: config.bodies.perWorkspaceBytes,
      deadlineMs: config.bodies.deadlineMs,
      minBytesPerSecond: config.bodies.minBytesPerSecond,
      graceMs: BODY_RATE_GRACE_MS,
    },
    taskEvents: events,
    feed,
    push: config.push,
    webhooks,
    metrics,
    metricsToken: config.metricsToken,
    readiness: [
      { name: 'store', check: async () => void (await tasks.countByStatus(clock.now())) },
      { name: 'blobs', check: async () => void (await blobs.get('retouch-readyz-probe')) },
      { name: 'workers', check: async () => (runWorker && !workerRunning ? 'workers are not running' : undefined) },
      { name: 'webhooks', check: async () => (dispatcherRunning ? undefined : 'the webhook dispatcher is not running') },
    ],
  });
  logger = app.log;
  let workerRunning = false;
  let dispatcherRunning = false;

  const worker = runWorker
    ? createWorker({
        queue,
        blobs,
        engines,
        clock,
        workerId: nodeId,
        concurrency: config.workerConcurrency,
        maxRunningPerWorkspace: config.maxRunningPerWorkspace,
        leaseMs: config.leaseMs,
        taskTimeoutMs: config.taskTimeoutMs,
        retentionMs: config.retentionMs,
        log: app.log,
        onSettled: ({ task, status, endTime }) => metrics.observeSettled({ ...task, status, endTime }),
      })
    : undefined;
  // Created, handed back or requeued here or on any node sharing the store.
  const unsubscribe = worker ? events.onTaskAvailable(() => worker.wake()) : () => undefined;
  // A state change queues deliveries (the outbox trigger), here or on another node.
  const unsubscribeDispatcher = events.onDeliveriesQueued(() => dispatcher.wake());
  const reaper = createReaper({
    queue,
    tasks,
    blobs,
    clock,
    leaseMs: config.leaseMs,
    maxAttempts: config.maxAttempts,
    retentionMs: config.retentionMs,
    reaperIntervalMs: config.reaperIntervalMs,
    log: app.log,
  });

  await reaper.recover();
  let url = '';
  if (serveApi) {
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const shownHost = ['0.0.0.0', '::'].includes(config.host) ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
    url = `http://${shownHost}:${port}`;
    baseUrl = config.publicBaseUrl ?? url;
  }
  worker?.start();
  workerRunning = worker !== undefined;
  dispatcher.start();
  dispatcherRunning = true;
  reaper.start();
  const uploadSweeper = uploads.startSweeper(config.reaperIntervalMs, app.log);

  let closing: Promise<void> | undefined;
  return {
    url,
    app,
    close() {
      closing ??= (async () => {
        draining = true;
        // API first (stop taking work, finish requests in flight), then let running edits end.
        await app.close();
        feed?.close();
        unsubscribe();
        await worker?.stop(config.shutdownGraceMs);
        workerRunning = false;
        unsubscribeDispatcher();
        dispatcherRunning = false;
        await dispatcher.stop();
        reaper.stop();
        uploadSweeper.stop();
        await engines.close();
        await localEngine?.close?.();
        await backends.close();
      })();
      return closing;
    },
  };
}
