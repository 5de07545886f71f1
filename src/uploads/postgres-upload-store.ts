/**
 * Temporary uploads on the shared PostgreSQL database (the `uploads` table of migration 2),
 * bytes in the BlobStore: an upload accepted by one API node is readable by every node.
 * Same behaviour as the SQLite store (upload-store.ts); the race between two uploads of one key
 * is settled by the primary key (`ON CONFLICT DO NOTHING`), as there.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { BlobStore } from '../blobs/blob-store.js';
import type { PgPool } from '../db/postgres/database.js';
import { workspaceTag, type UploadRow, type UploadStore } from './upload-store.js';

export function createPostgresUploadStore(pool: PgPool, blobs: BlobStore): UploadStore {
  const byKey = async (key: string) =>
    (await pool.query<UploadRow>('SELECT key, workspace_id, model, blob_key, sha256, expires_at FROM uploads WHERE key = $1', [key])).rows[0];

  return {
    async put(upload) {
      const sha256 = createHash('sha256').update(upload.bytes).digest('hex');
      const existing = await byKey(upload.key);
      if (existing && existing.expires_at > upload.createdAt) return existing.sha256 === sha256 ? 'unchanged' : 'exists';
      if (existing) {
        // An expired leftover the sweeper has not reached yet: the key is free again.
        const removed = await pool.query('DELETE FROM uploads WHERE key = $1 AND expires_at <= $2', [existing.key, upload.createdAt]);
        if (removed.rowCount === 1) await blobs.delete([existing.blob_key]);
      }
      const blobKey = `uploads/${workspaceTag(upload.workspaceId)}/${randomUUID()}`;
      await blobs.put(blobKey, upload.bytes, upload.contentType);
      const inserted = await pool.query(
        `INSERT INTO uploads (key, workspace_id, model, blob_key, size, content_type, sha256, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (key) DO NOTHING`,
        [upload.key, upload.workspaceId, upload.model, blobKey, upload.bytes.length, upload.contentType, sha256, upload.createdAt, upload.expiresAt],
      );
      if (inserted.rowCount === 0) {
        // Lost a race with a concurrent upload of the same key (maybe on another node).
        await blobs.delete([blobKey]);
        return (await byKey(upload.key))?.sha256 === sha256 ? 'unchanged' : 'exists';
      }
      return 'stored';
    },
    async read(key, workspaceId, model, now) {
      const row = await byKey(key);
      if (!row || row.workspace_id !== workspaceId || row.model !== model || row.expires_at <= now) return undefined;
      return blobs.get(row.blob_key);
    },
    async usage(workspaceId, now) {
      const { rows } = await pool.query<{ total: number | null }>(
        'SELECT sum(size)::bigint AS total FROM uploads WHERE workspace_id = $1 AND expires_at > $2',
        [workspaceId, now],
      );
      return rows[0]?.total ?? 0;
    },
    async sweep(now) {
      let total = 0;
      for (;;) {
        // SKIP LOCKED: nodes sweeping at once split the rows; blobs go after their rows, so a
        // failure leaves orphan bytes (harmless) rather than rows pointing at nothing.
        const { rows } = await pool.query<{ blob_key: string }>(
          `DELETE FROM uploads WHERE key IN (
             SELECT key FROM uploads WHERE expires_at <= $1 LIMIT 200 FOR UPDATE SKIP LOCKED)
           RETURNING blob_key`,
          [now],
        );
        if (rows.length === 0) return total;
        await blobs.delete(rows.map((r) => r.blob_key));
        total += rows.length;
      }
    },
  };
}
