/**
 * Part of the composition root (with main.ts): the only module that picks and assembles
 * adapters. Embedded: SQLite + the data dir. Shared: PostgreSQL (RETOUCH_DATABASE_URL) and/or
 * an S3-compatible bucket (RETOUCH_S3_BUCKET). What loads `pg` (the connection, LISTEN) and the
 * AWS SDK is imported lazily, so a user of the embedded default never loads either; the
 * PostgreSQL adapters themselves import no runtime `pg` and are imported statically.
 */
import { join } from 'node:path';
import { createPostgresKeyRepository } from './auth/postgres/pg-key-repository.js';
import { createSqliteKeyRepository } from './auth/sqlite/sqlite-key-repository.js';
import { createKeyStore, type KeyStore } from './auth/key-store.js';
import type { BlobStore } from './blobs/blob-store.js';
import { createFsBlobStore } from './blobs/fs/fs-blob-store.js';
import { withSqliteInlineBlobs } from './blobs/sqlite/sqlite-inline-blobs.js';
import { loadPostgresSigningKeys, rotatePostgresSigningKeys } from './blobs/postgres/pg-signing-keys.js';
import { createUrlSigner, loadSigningKeys, rotateSigningKeys, type SigningKey, type UrlSigner } from './blobs/url-signer.js';
import type { Config } from './config.js';
import type { PgOptions, PgPool } from './db/postgres/database.js';
import { startCheckpointer } from './db/sqlite/checkpointer.js';
import { openSqlite, type SqliteDatabase } from './db/sqlite/database.js';
import { createMemoryRateLimiter } from './limits/memory/memory-rate-limiter.js';
import { createPostgresRateLimiter } from './limits/postgres/pg-rate-limiter.js';
import type { RateLimiter } from './limits/rate-limiter.js';
import { createPostgresTaskQueue } from './tasks/postgres/pg-task-queue.js';
import { createPostgresTaskRepository } from './tasks/postgres/pg-task-repository.js';
import { announceQueuedDeliveries } from './tasks/sqlite/sqlite-outbox-events.js';
import { createSqliteTaskQueue } from './tasks/sqlite/sqlite-task-queue.js';
import { createSqliteTaskRepository } from './tasks/sqlite/sqlite-task-repository.js';
import { createTaskEventHub, type TaskEvents } from './tasks/task-events.js';
import type { TaskQueue } from './tasks/task-queue.js';
import type { TaskRepository } from './tasks/task-repository.js';
import type { Clock } from './tasks/task-service.js';
import { createPostgresUploadRepository } from './uploads/postgres/pg-upload-repository.js';
import { createSqliteUploadRepository } from './uploads/sqlite/sqlite-upload-repository.js';
import { createUploadStore, type UploadRepository, type UploadStore } from './uploads/upload-store.js';
import { createPostgresWebhookStore } from './webhooks/postgres/pg-webhook-store.js';
import { createSqliteWebhookStore } from './webhooks/sqlite/sqlite-webhook-store.js';
import type { WebhookStore } from './webhooks/webhook-store.js';
import { makeDirSync } from './make-dir.js';

/** Everything kept in the database (SQLite or PostgreSQL), opened together. */
export interface StateBackend {
  /** The API's side of the tasks. */
  readonly tasks: TaskRepository;
  /** The worker's side of the same tasks. */
  readonly queue: TaskQueue;
  /** Wake-ups: in-process on SQLite, LISTEN/NOTIFY on PostgreSQL (every node hears every node). */
  readonly events: TaskEvents;
  readonly keys: KeyStore;
  readonly limiter: RateLimiter;
  readonly signingKeys: readonly SigningKey[];
  readonly uploadRows: UploadRepository;
  /** Webhook endpoints and the delivery outbox, in the tasks' database. */
  readonly webhooks: WebhookStore;
  /** SQLite only: puts small blobs in the database in front of local-disk files (sqlite-inline-blobs.ts). */
  readonly withInlineBlobs?: (files: BlobStore) => BlobStore;
  close(): Promise<void>;
}

export interface Backends extends StateBackend {
  readonly blobs: BlobStore;
  /** Present when retouch serves result files itself (local disk); S3 links are presigned. */
  readonly signer: UrlSigner | undefined;
  readonly uploads: UploadStore;
}

export function openDatabase(config: Config): SqliteDatabase {
  makeDirSync(config.dataDir);
  return openSqlite(join(config.dataDir, 'retouch.db'), config.sqliteSynchronous);
}

function signingKeysPath(config: Config): string {
  return join(config.dataDir, 'signing-keys.json');
}

function pgOptions(config: Config & { databaseUrl: string }): PgOptions {
  return { url: config.databaseUrl, schema: config.databaseSchema };
}

/** The adapters over one SQLite database; closing the state closes the database. */
export function openSqliteState(db: SqliteDatabase, signingKeys: readonly SigningKey[] = []): StateBackend {
  const checkpointer = startCheckpointer(db);
  const hub = createTaskEventHub();
  announceQueuedDeliveries(db, hub);
  return {
    tasks: createSqliteTaskRepository(db, hub),
    queue: createSqliteTaskQueue(db, hub),
    events: hub,
    keys: createKeyStore(createSqliteKeyRepository(db)),
    limiter: createMemoryRateLimiter(),
    signingKeys,
    uploadRows: createSqliteUploadRepository(db),
    webhooks: createSqliteWebhookStore(db),
    withInlineBlobs: (files) => withSqliteInlineBlobs(files, db),
    async close() {
      await checkpointer.stop();
      db.close();
    },
  };
}

export interface PostgresState extends StateBackend {
  readonly pool: PgPool;
}

/** Opens (and migrates) the shared database; `now` stamps the first signing key if there is none. */
export async function openPostgresState(options: PgOptions, now: number): Promise<PostgresState> {
  const [{ openPostgres }, { listenForTaskEvents }] = await Promise.all([import('./db/postgres/database.js'), import('./tasks/postgres/pg-task-events.js')]);
  const pool = await openPostgres(options);
  try {
    const events = await listenForTaskEvents(options, pool);
    return {
      pool,
      tasks: createPostgresTaskRepository(pool),
      queue: createPostgresTaskQueue(pool),
      events,
      keys: createKeyStore(createPostgresKeyRepository(pool)),
      limiter: createPostgresRateLimiter(pool),
      signingKeys: await loadPostgresSigningKeys(pool, now),
      uploadRows: createPostgresUploadRepository(pool),
      webhooks: createPostgresWebhookStore(pool),
      async close() {
        await events.close();
        await pool.end();
      },
    };
  } catch (err) {
    await pool.end();
    throw err;
  }
}

async function openState(config: Config, clock: Clock): Promise<StateBackend> {
  if (config.databaseUrl) return openPostgresState(pgOptions({ ...config, databaseUrl: config.databaseUrl }), clock.now());
  return openSqliteState(openDatabase(config), loadSigningKeys(signingKeysPath(config), clock.now()));
}

/** `baseUrl` is read when a local-disk link is signed (the port is known only after listen). */
export async function openBackends(config: Config, clock: Clock, baseUrl: () => string): Promise<Backends> {
  const state = await openState(config, clock);
  try {
    let blobs: BlobStore;
    let signer: UrlSigner | undefined;
    if (config.s3) {
      const { createS3BlobStore } = await import('./blobs/s3/s3-blob-store.js');
      blobs = createS3BlobStore({ ...config.s3, now: () => clock.now() });
    } else {
      signer = createUrlSigner(baseUrl, state.signingKeys);
      // fsync each file only where the task rows are fsynced too (fs-blob-store.ts).
      const fsync = config.databaseUrl !== undefined || config.sqliteSynchronous === 'FULL';
      const files = createFsBlobStore(join(config.dataDir, 'blobs'), signer, { fsync });
      blobs = state.withInlineBlobs?.(files) ?? files;
    }
    return { ...state, blobs, signer, uploads: createUploadStore(state.uploadRows, blobs) };
  } catch (err) {
    await state.close();
    throw err;
  }
}

/** The configured key store alone, for the `keys` commands (which may run beside a server). */
export async function withKeyStore<T>(config: Config, fn: (keys: KeyStore) => Promise<T>): Promise<T> {
  if (config.databaseUrl) {
    const { openPostgres } = await import('./db/postgres/database.js');
    const pool = await openPostgres(pgOptions({ ...config, databaseUrl: config.databaseUrl }));
    try {
      return await fn(createKeyStore(createPostgresKeyRepository(pool)));
    } finally {
      await pool.end();
    }
  }
  const db = openDatabase(config);
  try {
    return await fn(createKeyStore(createSqliteKeyRepository(db)));
  } finally {
    db.close();
  }
}

/**
 * Starts signing with a new key, keeping those a live link may still carry (`keepMs`); the keys
 * now in use. Shared database: the keys are shared too; data dir: its signing-keys.json.
 */
export async function rotateConfiguredSigningKeys(config: Config, now: number, keepMs: number): Promise<SigningKey[]> {
  if (!config.databaseUrl) return rotateSigningKeys(signingKeysPath(config), now, keepMs);
  const { openPostgres } = await import('./db/postgres/database.js');
  const pool = await openPostgres(pgOptions({ ...config, databaseUrl: config.databaseUrl }));
  try {
    return await rotatePostgresSigningKeys(pool, now, keepMs);
  } finally {
    await pool.end();
  }
}

/** `retouch backup`: an online copy of the embedded store (SQLite + the data dir's images); loaded only when used. */
export async function backupEmbeddedStore(dataDir: string, target: string) {
  const { backupDataDir } = await import('./db/sqlite/backup.js');
  return backupDataDir(dataDir, target);
}

/** `retouch restore`: a backup made by `retouch backup` into a new data dir. */
export async function restoreEmbeddedStore(source: string, dataDir: string) {
  const { restoreDataDir } = await import('./db/sqlite/backup.js');
  return restoreDataDir(source, dataDir);
}
