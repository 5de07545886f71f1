/**
 * What the PostgreSQL adapters share besides the pool: one way to run a transaction and the
 * advisory-lock namespaces. No runtime import of `pg` here, so that adapters can be imported
 * statically by the composition root while `pg` itself loads only when PostgreSQL is configured
 * (database.ts is imported lazily).
 */
import type pg from 'pg';

/** Namespaces our advisory locks (first key of the two-int form; `workspace` is also in migration 0008's SQL). */
export const LOCK_SPACE = { migrate: 7301, workspace: 7302, signingKeys: 7304 } as const;

/** Runs `fn` in a transaction on one pooled connection; rolls back when it throws. */
export async function transaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
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
