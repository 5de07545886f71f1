/**
 * Everything retouch keeps in PostgreSQL, opened together: tasks (the queue), API keys and
 * rate-limit state, with LISTEN/NOTIFY wake-ups. main.ts imports this module lazily, so that
 * the embedded default never loads `pg`.
 */
import { createPostgresKeyStore } from '../../auth/postgres-key-store.js';
import type { KeyStore } from '../../auth/key-store.js';
import { createPostgresRateLimiter } from '../../limits/postgres-rate-limiter.js';
import type { RateLimiter } from '../../limits/rate-limiter.js';
import { createTaskEventHub, type TaskEvents } from '../task-events.js';
import type { TaskStore } from '../task-store.js';
import { channelOf, listen, openPostgres, type PgOptions, type PgPool } from './database.js';
import { createPostgresTaskStore } from './pg-task-store.js';

export interface PostgresBackend {
  readonly pool: PgPool;
  readonly store: TaskStore & TaskEvents;
  readonly keys: KeyStore;
  readonly limiter: RateLimiter;
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
    },
    // Notifications sent while the connection was down are lost: let workers look anyway.
    () => hub.available(),
  );
  const store = createPostgresTaskStore(pool);
  return {
    pool,
    store: { ...store, onTaskAvailable: hub.onTaskAvailable, onTaskSettled: hub.onTaskSettled },
    keys: createPostgresKeyStore(pool),
    limiter: createPostgresRateLimiter(pool),
    async close() {
      await listener.close();
      await pool.end();
    },
  };
}
