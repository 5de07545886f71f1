/** KeyRepository on the shared PostgreSQL database, so that every API node accepts the same keys. */
import type { PgPool } from '../../db/postgres/database.js';
import { prepared, runPrepared } from '../../db/postgres/prepared.js';
import type { ApiKeyRow, KeyRepository } from '../key-store.js';

/** Authentication's read, on the request path: server-side prepared (../../db/postgres/prepared.ts). */
const FIND_BY_HASH = prepared('SELECT * FROM api_keys WHERE hash = $1');

export function createPostgresKeyRepository(pool: PgPool): KeyRepository {
  return {
    async upsert(row) {
      // ON CONFLICT: several nodes starting at once with the same configured key keep one row.
      await pool.query(
        'INSERT INTO api_keys (id, workspace_id, name, hash, hint, created_at, admin) VALUES ($1, $2, $3, $4, $5, $6, $7)' +
          ' ON CONFLICT (hash) DO UPDATE SET admin = api_keys.admin OR excluded.admin',
        [row.id, row.workspaceId, row.name, row.hash, row.hint, row.createdAt, row.admin],
      );
    },
    async findByHash(hash) {
      return (await runPrepared<ApiKeyRow>(pool, FIND_BY_HASH, [hash])).rows[0];
    },
    async list() {
      return (await pool.query<ApiKeyRow>('SELECT * FROM api_keys ORDER BY created_at, id')).rows;
    },
    async revoke(id, now) {
      const result = await pool.query('UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [now, id]);
      return result.rowCount === 1;
    },
  };
}
