/**
 * Everything retouch keeps in PostgreSQL, opened together: tasks (the queue), API keys and
 * rate-limit state, with LISTEN/NOTIFY wake-ups. main.ts imports this module lazily, so that
 * the embedded default never loads `pg`.
 */
import { createPostgresKeyStore } from '../../auth/postgres-key-store.js';
import type { KeyStore } from '../../auth/key-store.js';
import { newSigningKey, type SigningKey } from '../../blobs/url-signer.js';
import { createPostgresRateLimiter } from '../../limits/postgres-rate-limiter.js';
import type { RateLimiter } from '../../limits/rate-limiter.js';
import type { BlobStore } from '../../blobs/blob-store.js';
import { createPostgresUploadStore } from '../../uploads/postgres-upload-store.js';
import type { UploadStore } from '../../uploads/upload-store.js';
import { createTaskEventHub, type TaskEvents } from '../task-events.js';
import type { TaskStore } from '../task-store.js';
import { LOCK_SPACE, openPostgres, transaction, type PgOptions, type PgPool } from '../../db/postgres/database.js';
import { channelOf, listen } from '../../db/postgres/notify.js';
import { createPostgresTaskStore } from './pg-task-store.js';
import { createPostgresWebhookStore } from '../../webhooks/postgres-webhook-store.js';
import type { WebhookStore } from '../../webhooks/webhook-store.js';

export interface PostgresBackend {
  readonly pool: PgPool;
  readonly store: TaskStore & TaskEvents;
  readonly keys: KeyStore;
  readonly limiter: RateLimiter;
  uploads(blobs: BlobStore): UploadStore;
  readonly webhooks: WebhookStore;
  /** The shared signing keys, creating the first one if there is none yet. */
  signingKeys(now: number): Promise<SigningKey[]>;
  /** Adds a signing key and drops those older than `keepMs` (no live link can carry them). */
  rotateSigningKeys(now: number, keepMs: number): Promise<SigningKey[]>;
  close(): Promise<void>;
}

export async function openPostgresBackend(options: PgOptions): Promise<PostgresBackend> {
  const pool = await openPostgres(options);
  const hub = createTaskEventHub();
  const listener = await listen(
    options,
    await channelOf(pool),
    (payload) => {
      if (payload === 'available') hub.available();
      else if (payload.startsWith('settled:')) hub.settled(payload.slice('settled:'.length));
      else if (payload.startsWith('changed:')) hub.changed(payload.slice('changed:'.length));
    },
    // Notifications sent while the connection was down are lost: let workers look anyway, and
    // let push clients re-read what they watch.
    () => {
      hub.available();
      hub.changed(undefined);
    },
  );
  const store = createPostgresTaskStore(pool);
  return {
    pool,
    store: { ...store, onTaskAvailable: hub.onTaskAvailable, onTaskSettled: hub.onTaskSettled, onTaskChanged: hub.onTaskChanged },
    keys: createPostgresKeyStore(pool),
    limiter: createPostgresRateLimiter(pool),
    uploads: (blobs) => createPostgresUploadStore(pool, blobs),
    webhooks: createPostgresWebhookStore(pool),
    signingKeys: (now) => loadSigningKeys(pool, now),
    async rotateSigningKeys(now, keepMs) {
      const key = newSigningKey(now);
      await transaction(pool, async (client) => {
        await client.query('DELETE FROM signing_keys WHERE created_at <= $1', [now - keepMs]);
        await client.query('INSERT INTO signing_keys (id, secret, created_at) VALUES ($1, $2, $3)', [key.id, key.secret, key.createdAt]);
      });
      return loadSigningKeys(pool, now);
    },
    async close() {
      await listener.close();
      await pool.end();
    },
  };
}

async function loadSigningKeys(pool: PgPool, now: number): Promise<SigningKey[]> {
  // Locked, so that nodes starting together agree on one first key.
  return transaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1, 0)', [LOCK_SPACE.signingKeys]);
    const select = 'SELECT id, secret, created_at AS "createdAt" FROM signing_keys ORDER BY created_at';
    const { rows } = await client.query<SigningKey>(select);
    if (rows.length > 0) return rows;
    const key = newSigningKey(now);
    await client.query('INSERT INTO signing_keys (id, secret, created_at) VALUES ($1, $2, $3)', [key.id, key.secret, key.createdAt]);
    return [key];
  });
}
