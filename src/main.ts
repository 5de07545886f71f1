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
import { createApp } from './api/app.js';
import { openBackends } from './backends.js';
import { DEFAULT_WORKSPACE, type KeyStore } from './auth/key-store.js';
import type { Config } from './config.js';
import type { Engine } from './engines/engine.js';
import { createLocalEngine } from './engines/local/local-engine.js';
import { createEngineRegistry } from './engines/registry.js';
import { createTestEngine, TEST_MODEL } from './engines/test-engine.js';
import { createImageResolver } from './inputs/resolve-images.js';
import { createPolicySigner } from './uploads/policy.js';
import { createUploadService } from './uploads/upload-service.js';
import { MODEL_WAN25_I2I } from './protocol/wire.js';
import { createTaskService, type Clock } from './tasks/task-service.js';
import { createReaper } from './worker/reaper.js';
import { createWorker } from './worker/worker.js';

export interface RunningServer {
  /** The API's address; empty on a worker node, which has no HTTP port. */
  readonly url: string;
  readonly app: FastifyInstance;
  /** Drains: stops accepting, lets running edits finish (or hands them back), closes stores. */
  close(): Promise<void>;
}

export interface StartOptions {
  readonly clock?: Clock;
  /** Receives a newly generated API key, which is shown once and stored only as a hash. */
  readonly onKeyCreated?: (secret: string) => void;
}

const systemClock: Clock = { now: () => Date.now() };

export { openDatabase, signingKeysPath } from './backends.js';

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
  const clock = options.clock ?? systemClock;
  const serveApi = config.role !== 'worker';
  const runWorker = config.role !== 'api' && config.workerConcurrency > 0;
  let baseUrl = config.publicBaseUrl ?? '';
  const backends = await openBackends(config, clock, () => baseUrl);
  const { store, keys, blobs, signer } = backends;
  if (serveApi) await ensureApiKey(keys, config, clock, options.onKeyCreated);

  // Temporary uploads (oss:// inputs): policies are signed with the result-link keys.
  const uploads = createUploadService({
    store: backends.uploads,
    signer: createPolicySigner(backends.signingKeys),
    clock,
    baseUrl: () => baseUrl,
    settings: config.uploads,
  });

  const byModel: Record<string, Engine> = { [MODEL_WAN25_I2I]: createLocalEngine({ mlIdleTimeoutMs: config.mlIdleTimeoutMs, isnet: config.isnet }) };
  if (config.enableTestEngine) byModel[TEST_MODEL] = createTestEngine({ runLog: config.testEngineLog });
  const engines = createEngineRegistry(byModel);

  let draining = false;
  // A worker node builds the app too (never listening): its logger is the process's logger.
  const app = createApp({
    tasks: createTaskService({
      store,
      blobs,
      images: createImageResolver({ fetch: config.fetch, uploads: uploads.reader }),
      clock,
      newId: randomUUID,
      retentionMs: config.retentionMs,
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
    rateLimits: config.rateLimits,
    maxInflightBodyBytes: config.maxInflightBodyBytes,
  });

  const worker = runWorker
    ? createWorker({
        store,
        blobs,
        engines,
        clock,
        workerId: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
        concurrency: config.workerConcurrency,
        maxRunningPerWorkspace: config.maxRunningPerWorkspace,
        leaseMs: config.leaseMs,
        taskTimeoutMs: config.taskTimeoutMs,
        retentionMs: config.retentionMs,
        log: app.log,
      })
    : undefined;
  // Created, handed back or requeued here or on any node sharing the store.
  const unsubscribe = worker ? store.onTaskAvailable(() => worker.wake()) : () => undefined;
  const reaper = createReaper({
    store,
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
        unsubscribe();
        await worker?.stop(config.shutdownGraceMs);
        reaper.stop();
        uploadSweeper.stop();
        await engines.close();
        await backends.close();
      })();
      return closing;
    },
  };
}
