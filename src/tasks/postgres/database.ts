/**
 * The shared PostgreSQL database: a connection pool with migrations applied at start-up, and
 * one listening connection for LISTEN/NOTIFY.
 *
 * Several nodes may start at once: migrations run in one transaction that first takes a
 * transaction-scoped advisory lock, so exactly one node applies each version and the others
 * wait, then find nothing left to do.
 *
 * Times are epoch milliseconds in BIGINT columns, as on SQLite. node-postgres returns BIGINT as
 * a string by default (it may exceed 2^53); epoch ms never does, so this pool parses them as
 * numbers (per pool, not globally, so that other users of `pg` in the process are unaffected).
 */
import pg from 'pg';
import { assertSchemaNotNewer } from '../schema-version.js';
import { MIGRATIONS } from './migrations.js';

export type PgPool = pg.Pool;

export interface PgOptions {
  readonly url: string;
  /** A schema of its own (created if missing); default: the server's search_path. */
  readonly schema?: string;
  readonly maxConnections?: number;
}

const INT8_OID = 20;
/** Namespaces our advisory locks (first key of the two-int form). */
export const LOCK_SPACE = { migrate: 7301, workspace: 7302, signingKeys: 7304 } as const;

function clientConfig(options: PgOptions): pg.ClientConfig {
  return {
    connectionString: options.url,
    // search_path set at connection start (a startup option), so every pooled connection has it.
    ...(options.schema ? { options: `-c search_path=${quoteIdent(options.schema)}` } : {}),
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  };
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export async function openPostgres(options: PgOptions): Promise<PgPool> {
  const pool = new pg.Pool({ ...clientConfig(options), max: options.maxConnections ?? 10 });
  // An idle client's error (the server restarted, a network blip) must not crash the process:
  // the pool discards that client and the next query opens a new one.
  pool.on('error', () => undefined);
  try {
    await migrate(pool, options.schema);
  } catch (err) {
    await pool.end();
    throw err;
  }
  return pool;
}

async function migrate(pool: PgPool, schema: string | undefined): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_SPACE.migrate, schema ?? '']);
    if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    await client.query('CREATE TABLE IF NOT EXISTS retouch_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
    const { rows } = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM retouch_migrations');
    const current = rows[0]?.v ?? 0;
    // A schema written by a newer retouch: refuse (the ROLLBACK below leaves it untouched).
    assertSchemaNotNewer(`The PostgreSQL schema ${schema ? `"${schema}"` : '(search_path)'}`, current, MIGRATIONS.length);
    for (let version = current; version < MIGRATIONS.length; version++) {
      await client.query(MIGRATIONS[version]!);
      await client.query('INSERT INTO retouch_migrations (version) VALUES ($1)', [version + 1]);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Runs `fn` in a transaction on one pooled connection. */
export async function transaction<T>(pool: PgPool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** The NOTIFY channel of a schema: nodes sharing a schema share it, other schemas stay apart. */
export async function channelOf(pool: PgPool): Promise<string> {
  const { rows } = await pool.query<{ s: string }>('SELECT current_schema() AS s');
  return `retouch:${rows[0]!.s}`;
}

export interface Listener {
  close(): Promise<void>;
}

/**
 * LISTENs on `channel` over a dedicated connection (a pooled one would be handed to others).
 * When the connection drops it reconnects with back-off and then calls `onReconnect`, since
 * notifications sent meanwhile are lost. Resolves once the first attempt is over.
 */
export async function listen(options: PgOptions, channel: string, onPayload: (payload: string) => void, onReconnect: () => void): Promise<Listener> {
  let client: pg.Client | undefined;
  let closed = false;
  let everConnected = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let delay = 100;

  const scheduleRetry = () => {
    if (retryTimer || closed) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void connect();
    }, delay);
    retryTimer.unref();
    delay = Math.min(delay * 2, 5000);
  };
  const connect = async (): Promise<void> => {
    const next = new pg.Client(clientConfig(options));
    next.on('notification', (msg) => msg.channel === channel && onPayload(msg.payload ?? ''));
    next.on('error', () => undefined);
    try {
      await next.connect();
      await next.query(`LISTEN ${quoteIdent(channel)}`);
    } catch {
      await next.end().catch(() => undefined);
      return scheduleRetry();
    }
    if (closed) return void (await next.end().catch(() => undefined));
    next.on('end', () => {
      client = undefined;
      scheduleRetry();
    });
    client = next;
    delay = 100;
    if (everConnected) onReconnect();
    everConnected = true;
  };

  await connect();
  return {
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      await client?.end().catch(() => undefined);
    },
  };
}
