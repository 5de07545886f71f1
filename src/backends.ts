/**
 * Part of the composition root (with main.ts): picks the adapters for the configured
 * deployment. Embedded: SQLite + the data dir. Shared: PostgreSQL (RETOUCH_DATABASE_URL) and/or
 * an S3-compatible bucket (RETOUCH_S3_BUCKET). The shared adapters are imported lazily, so a
 * user of the embedded default never loads `pg` or the AWS SDK.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyStore } from './auth/key-store.js';
import { createSqliteKeyStore } from './auth/sqlite-key-store.js';
import type { BlobStore } from './blobs/blob-store.js';
import { createFsBlobStore } from './blobs/fs/fs-blob-store.js';
import { createUrlSigner, loadSigningKeys, type SigningKey, type UrlSigner } from './blobs/url-signer.js';
import type { Config } from './config.js';
import { createMemoryRateLimiter, type RateLimiter } from './limits/rate-limiter.js';
import { openSqlite, type SqliteDatabase } from './db/sqlite/database.js';
import { createSqliteTaskStore } from './tasks/sqlite/sqlite-task-store.js';
import type { TaskEvents } from './tasks/task-events.js';
import type { Clock } from './tasks/task-service.js';
import type { TaskStore } from './tasks/task-store.js';
import { createSqliteUploadStore, type UploadStore } from './uploads/upload-store.js';
import { createSqliteWebhookStore } from './webhooks/sqlite-webhook-store.js';
import type { WebhookStore } from './webhooks/webhook-store.js';

export interface Backends {
  readonly store: TaskStore & TaskEvents;
  readonly keys: KeyStore;
  readonly limiter: RateLimiter;
  readonly blobs: BlobStore;
  /** Present when retouch serves result files itself (local disk); S3 links are presigned. */
  readonly signer: UrlSigner | undefined;
  readonly signingKeys: readonly SigningKey[];
  readonly uploads: UploadStore;
  /** Webhook endpoints and the delivery outbox, in the task store's database. */
  readonly webhooks: WebhookStore;
  close(): Promise<void>;
}

export function openDatabase(config: Config): SqliteDatabase {
  mkdirSync(config.dataDir, { recursive: true });
  return openSqlite(join(config.dataDir, 'retouch.db'), config.sqliteSynchronous);
}

export function signingKeysPath(config: Config): string {
  return join(config.dataDir, 'signing-keys.json');
}

interface StateBackend {
  readonly store: TaskStore & TaskEvents;
  readonly keys: KeyStore;
  readonly limiter: RateLimiter;
  readonly signingKeys: readonly SigningKey[];
  uploads(blobs: BlobStore): UploadStore;
  readonly webhooks: WebhookStore;
  close(): Promise<void>;
}

async function openState(config: Config, clock: Clock): Promise<StateBackend> {
  if (config.databaseUrl) {
    const pg = await import('./tasks/postgres/index.js');
    const backend = await pg.openPostgresBackend({ url: config.databaseUrl, schema: config.databaseSchema });
    return { ...backend, signingKeys: await backend.signingKeys(clock.now()), uploads: backend.uploads };
  }
  const db = openDatabase(config);
  return {
    store: createSqliteTaskStore(db),
    keys: createSqliteKeyStore(db),
    limiter: createMemoryRateLimiter(),
    signingKeys: loadSigningKeys(signingKeysPath(config), clock.now()),
    uploads: (blobs) => createSqliteUploadStore(db, blobs),
    webhooks: createSqliteWebhookStore(db),
    async close() {
      db.close();
    },
  };
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
      blobs = createFsBlobStore(join(config.dataDir, 'blobs'), signer);
    }
    return { ...state, blobs, signer, uploads: state.uploads(blobs) };
  } catch (err) {
    await state.close();
    throw err;
  }
}
