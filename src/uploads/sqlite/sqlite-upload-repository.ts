/** UploadRepository on the embedded SQLite database. */
import type { SqliteDatabase } from '../../db/sqlite/database.js';
import type { UploadRecord, UploadRepository } from '../upload-store.js';

const COLUMNS = `key, workspace_id AS workspaceId, model, blob_key AS blobKey, size, content_type AS contentType, sha256,
  created_at AS createdAt, expires_at AS expiresAt`;

export function createSqliteUploadRepository(db: SqliteDatabase): UploadRepository {
  const byKey = db.prepare<[string], UploadRecord>(`SELECT ${COLUMNS} FROM uploads WHERE key = ?`);
  const insert = db.prepare(
    `INSERT INTO uploads (key, workspace_id, model, blob_key, size, content_type, sha256, created_at, expires_at)
     VALUES (@key, @workspaceId, @model, @blobKey, @size, @contentType, @sha256, @createdAt, @expiresAt)
     ON CONFLICT (key) DO NOTHING`,
  );
  const deleteIfExpired = db.prepare('DELETE FROM uploads WHERE key = ? AND expires_at <= ?');
  const usage = db.prepare<[string, number], { total: number | null }>('SELECT SUM(size) AS total FROM uploads WHERE workspace_id = ? AND expires_at > ?');
  const takeExpired = db.prepare<[number, number], { blob_key: string }>(
    'DELETE FROM uploads WHERE key IN (SELECT key FROM uploads WHERE expires_at <= ? LIMIT ?) RETURNING blob_key',
  );

  return {
    async find(key) {
      return byKey.get(key);
    },
    async insert(row) {
      return insert.run(row).changes === 1;
    },
    async deleteIfExpired(key, now) {
      return deleteIfExpired.run(key, now).changes === 1;
    },
    async usage(workspaceId, now) {
      return usage.get(workspaceId, now)?.total ?? 0;
    },
    async takeExpired(now, limit) {
      return takeExpired.all(now, limit).map((r) => r.blob_key);
    },
  };
}
