/**
 * UploadRepository on the shared PostgreSQL database (the `uploads` table of migration 2): an
 * upload accepted by one API node is readable by every node.
 */
import type { PgPool } from '../../db/postgres/database.js';
import type { UploadRecord, UploadRepository } from '../upload-store.js';

const COLUMNS = `key, workspace_id AS "workspaceId", model, blob_key AS "blobKey", size, content_type AS "contentType", sha256,
  created_at AS "createdAt", expires_at AS "expiresAt"`;

export function createPostgresUploadRepository(pool: PgPool): UploadRepository {
  return {
    async find(key) {
      return (await pool.query<UploadRecord>(`SELECT ${COLUMNS} FROM uploads WHERE key = $1`, [key])).rows[0];
    },
    async insert(row) {
      const inserted = await pool.query(
        `INSERT INTO uploads (key, workspace_id, model, blob_key, size, content_type, sha256, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (key) DO NOTHING`,
        [row.key, row.workspaceId, row.model, row.blobKey, row.size, row.contentType, row.sha256, row.createdAt, row.expiresAt],
      );
      return inserted.rowCount === 1;
    },
    async deleteIfExpired(key, now) {
      return (await pool.query('DELETE FROM uploads WHERE key = $1 AND expires_at <= $2', [key, now])).rowCount === 1;
    },
    async usage(workspaceId, now) {
      const { rows } = await pool.query<{ total: number | null }>(
        'SELECT sum(size)::bigint AS total FROM uploads WHERE workspace_id = $1 AND expires_at > $2',
        [workspaceId, now],
      );
      return rows[0]?.total ?? 0;
    },
    async takeExpired(now, limit) {
      // SKIP LOCKED: nodes sweeping at once split the rows.
      const { rows } = await pool.query<{ blob_key: string }>(
        `DELETE FROM uploads WHERE key IN (
           SELECT key FROM uploads WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING blob_key`,
        [now, limit],
      );
      return rows.map((r) => r.blob_key);
    },
  };
}
