/**
 * Composition root: config → adapters → roles (API, worker, reaper) → lifecycle.
 * The only module that knows which adapters exist.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createApp } from './api/app.js';
import { DEFAULT_WORKSPACE, type KeyStore } from './auth/key-store.js';
import { createSqliteKeyStore } from './auth/sqlite-key-store.js';
import { createFsBlobStore } from './blobs/fs/fs-blob-store.js';
import { createUrlSigner, loadSigningKeys } from './blobs/url-signer.js';
import type { Config } from './config.js';
import type { Engine } from './engines/engine.js';
import { createLocalEngine } from './engines/local/local-engine.js';
import { createEngineRegistry } from './engines/registry.js';
import { createTestEngine, TEST_MODEL } from './engines/test-engine.js';
import { createImageResolver } from './inputs/resolve-images.js';
import { createPolicySigner } from './uploads/policy.js';
import { createUploadService } from './uploads/upload-service.js';
import { createSqliteUploadStore } from './uploads/upload-store.js';
import { createMemoryRateLimiter } from './limits/rate-limiter.js';
import { MODEL_WAN25_I2I } from './protocol/wire.js';
import { openSqlite, type SqliteDatabase } from './tasks/sqlite/database.js';
import { createSqliteTaskStore } from './tasks/sqlite/sqlite-task-store.js';
import { createTaskService, type Clock } from './tasks/task-service.js';
import { createReaper } from './worker/reaper.js';
import { createWorker } from './worker/worker.js';

export interface RunningServer {
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

export function openDatabase(config: Config): SqliteDatabase {
  mkdirSync(config.dataDir, { recursive: true });
  return openSqlite(join(config.dataDir, 'retouch.db'), config.sqliteSynchronous);
}

export function signingKeysPath(config: Config): string {
  return join(config.dataDir, 'signing-keys.json');
}

/** RETOUCH_API_KEY is accepted for the default workspace; with none at all, one is created. */
async function ensureApiKey(keys: KeyStore, config: Config, clock: Clock, onKeyCreated?: (secret: string) => void) {
  if (config.apiKey) {
    await keys.create({ workspaceId: DEFAULT_WORKSPACE, name: 'RETOUCH_API_KEY', secret: config.apiKey, now: clock.now() });
    return;
  }
  const active = (await keys.list()).filter((k) => k.revokedAt === undefined);
  if (active.length === 0) {
    const { secret } = await keys.create({ workspaceId: DEFAULT_WORKSPACE, name: 'first start', now: clock.now() });
    onKeyCreated?.(secret);
  }
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const clock = options.clock ?? systemClock;
  const db = openDatabase(config);
  const keys = createSqliteKeyStore(db);
  await ensureApiKey(keys, config, clock, options.onKeyCreated);

  let baseUrl = config.publicBaseUrl ?? '';
  const signingKeys = loadSigningKeys(signingKeysPath(config), clock.now());
  const signer = createUrlSigner(() => baseUrl, signingKeys);
  const blobs = createFsBlobStore(join(config.dataDir, 'blobs'), signer);
  // Temporary uploads (oss:// inputs): policies are signed with the result-link keys.
  const uploads = createUploadService({
    store: createSqliteUploadStore(db, blobs),
    signer: createPolicySigner(signingKeys),
    clock,
    baseUrl: () => baseUrl,
    settings: config.uploads,
  });
  const store = createSqliteTaskStore(db);

  const byModel: Record<string, Engine> = { [MODEL_WAN25_I2I]: createLocalEngine() };
  if (config.enableTestEngine) byModel[TEST_MODEL] = createTestEngine({ runLog: config.testEngineLog });
  const engines = createEngineRegistry(byModel);

  let draining = false;
  const app = createApp({
    tasks: createTaskService({
      store,
      blobs,
      images: createImageResolver({ fetch: config.fetch, uploads: uploads.reader }),
      clock,
      newId: randomUUID,
      retentionMs: config.retentionMs,
      onCreated: () => worker.wake(),
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
    limiter: createMemoryRateLimiter(),
    rateLimits: config.rateLimits,
    maxInflightBodyBytes: config.maxInflightBodyBytes,
  });

  const worker = createWorker({
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
  });
  const reaper = createReaper({
    store,
    blobs,
    clock,
    leaseMs: config.leaseMs,
    maxAttempts: config.maxAttempts,
    retentionMs: config.retentionMs,
    reaperIntervalMs: config.reaperIntervalMs,
    log: app.log,
    onRequeued: () => worker.wake(),
  });

  await reaper.recover();
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const shownHost = ['0.0.0.0', '::'].includes(config.host) ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${shownHost}:${port}`;
  baseUrl = config.publicBaseUrl ?? url;
  worker.start();
  reaper.start();
  const uploadSweeper = uploads.startSweeper(config.reaperIntervalMs, app.log);

  let closing: Promise<void> | undefined;
  return {
    url,
    app,
    close() {
      closing ??= (async () => {
        draining = true;
        await app.close();
        await worker.stop(config.shutdownGraceMs);
        reaper.stop();
        uploadSweeper.stop();
        await engines.close();
        db.close();
      })();
      return closing;
    },
  };
}
