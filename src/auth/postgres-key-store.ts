/** KeyStore on the shared PostgreSQL database, so that every API node accepts the same keys. */
import { randomUUID } from 'node:crypto';
import type { PgPool } from '../db/postgres/database.js';
import { hashApiKey, hashesEqual, keyHint, newApiKeySecret, toApiKeyInfo, type ApiKeyRow, type KeyStore } from './key-store.js';

export function createPostgresKeyStore(pool: PgPool): KeyStore {
  const byHash = async (hash: string) => (await pool.query<ApiKeyRow>('SELECT * FROM api_keys WHERE hash = $1', [hash])).rows[0];

  return {
    async create({ workspaceId, name, secret, admin, now }) {
      const key = secret ?? newApiKeySecret();
      const hash = hashApiKey(key);
      // ON CONFLICT: the same secret configured again (RETOUCH_API_KEY on every node's start)
      // keeps its row, even when several nodes start at once; asked for as an admin key, it becomes one.
      await pool.query(
        'INSERT INTO api_keys (id, workspace_id, name, hash, hint, created_at, admin) VALUES ($1, $2, $3, $4, $5, $6, $7)' +
          ' ON CONFLICT (hash) DO UPDATE SET admin = api_keys.admin OR excluded.admin',
        [`key-${randomUUID().slice(0, 8)}`, workspaceId, name ?? '', hash, keyHint(key), now, admin === true],
      );
      return { secret: key, info: toApiKeyInfo((await byHash(hash))!) };
    },
    async authenticate(secret) {
      const hash = hashApiKey(secret);
      const row = await byHash(hash);
      if (!row || !hashesEqual(row.hash, hash) || row.revoked_at !== null) return undefined;
      return toApiKeyInfo(row);
    },
    async list() {
      return (await pool.query<ApiKeyRow>('SELECT * FROM api_keys ORDER BY created_at, id')).rows.map(toApiKeyInfo);
    },
    async revoke(id, now) {
      const result = await pool.query('UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [now, id]);
      return result.rowCount === 1;
    },
  };
}
