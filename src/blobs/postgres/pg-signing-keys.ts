/**
 * The keys that sign result links and upload policies, on the shared PostgreSQL database: every
 * API node must verify what any other signed, so they live there rather than in each node's
 * data dir (which is where the embedded deployment keeps them, blobs/url-signer.ts).
 */
import type { PgPool } from '../../db/postgres/database.js';
import { LOCK_SPACE, transaction } from '../../db/postgres/transaction.js';
import { newSigningKey, type SigningKey } from '../url-signer.js';

/** The shared signing keys, creating the first one if there is none yet. */
export async function loadPostgresSigningKeys(pool: PgPool, now: number): Promise<SigningKey[]> {
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

/** Adds a signing key and drops those older than `keepMs` (no live link can carry them). */
export async function rotatePostgresSigningKeys(pool: PgPool, now: number, keepMs: number): Promise<SigningKey[]> {
  const key = newSigningKey(now);
  await transaction(pool, async (client) => {
    await client.query('DELETE FROM signing_keys WHERE created_at <= $1', [now - keepMs]);
    await client.query('INSERT INTO signing_keys (id, secret, created_at) VALUES ($1, $2, $3)', [key.id, key.secret, key.createdAt]);
  });
  return loadPostgresSigningKeys(pool, now);
}
