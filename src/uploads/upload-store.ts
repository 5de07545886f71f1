/**
 * Temporary uploads: the `uploads` table (key → workspace, blob, expiry) in the embedded SQLite
 * database, with the bytes in the BlobStore. An upload is visible only to its workspace and
 * only until it expires (48 h by default); `sweep` deletes expired rows and their blobs.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { BlobStore } from '../blobs/blob-store.js';
import type { SqliteDatabase } from '../tasks/sqlite/database.js';

export interface StoredUpload {
  readonly key: string;
  readonly workspaceId: string;
  readonly model: string;
  readonly size: number;
  readonly contentType: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

export type PutOutcome = 'stored' | 'unchanged' | 'exists';

export interface UploadStore {
  /**
   * Stores the bytes under `key`. A key is never overwritten (`x-oss-forbid-overwrite`):
   * the same bytes again answer `unchanged`, different bytes `exists`.
   */
  put(upload: Omit<StoredUpload, 'size'> & { bytes: Buffer }): Promise<PutOutcome>;
  /** The bytes of a live upload of this workspace, else undefined. */
  read(key: string, workspaceId: string, model: string, now: number): Promise<Buffer | undefined>;
  /** Bytes held by the workspace's live uploads. */
  usage(workspaceId: string, now: number): Promise<number>;
  /** Deletes expired uploads and their blobs; returns how many. */
  sweep(now: number): Promise<number>;
}

/** The `uploads` columns both adapters read. */
export interface UploadRow {
  key: string;
  workspace_id: string;
  model: string;
  blob_key: string;
  sha256: string;
  expires_at: number;
}

export const workspaceTag = (workspaceId: string) => createHash('sha256').update(workspaceId).digest('hex').slice(0, 16);

export function createSqliteUploadStore(db: SqliteDatabase, blobs: BlobStore): UploadStore {
  const byKey = db.prepare<[string], UploadRow>('SELECT key, workspace_id, model, blob_key, sha256, expires_at FROM uploads WHERE key = ?');
  const insert = db.prepare(
    `INSERT INTO uploads (key, workspace_id, model, blob_key, size, content_type, sha256, created_at, expires_at)
     VALUES (@key, @workspaceId, @model, @blobKey, @size, @contentType, @sha256, @createdAt, @expiresAt)
     ON CONFLICT (key) DO NOTHING`,
  );
  const usage = db.prepare<[string, number], { total: number | null }>('SELECT SUM(size) AS total FROM uploads WHERE workspace_id = ? AND expires_at > ?');
  const expired = db.prepare<[number, number], { key: string; blob_key: string }>('SELECT key, blob_key FROM uploads WHERE expires_at <= ? LIMIT ?');
  const remove = db.prepare<[string]>('DELETE FROM uploads WHERE key = ?');

  return {
    async put(upload) {
      const sha256 = createHash('sha256').update(upload.bytes).digest('hex');
      const existing = byKey.get(upload.key);
      if (existing && existing.expires_at > upload.createdAt) return existing.sha256 === sha256 ? 'unchanged' : 'exists';
      if (existing) {
        // An expired leftover the sweeper has not reached yet: the key is free again.
        remove.run(existing.key);
        await blobs.delete([existing.blob_key]);
      }
      // Blob keys are ours (safe characters only); the upload key is whatever the client chose.
      const blobKey = `uploads/${workspaceTag(upload.workspaceId)}/${randomUUID()}`;
      await blobs.put(blobKey, upload.bytes, upload.contentType);
      const result = insert.run({ ...upload, blobKey, size: upload.bytes.length, sha256 });
      if (result.changes === 0) {
        // Lost a race with a concurrent upload of the same key.
        await blobs.delete([blobKey]);
        return byKey.get(upload.key)?.sha256 === sha256 ? 'unchanged' : 'exists';
      }
      return 'stored';
    },
    async read(key, workspaceId, model, now) {
      const row = byKey.get(key);
      if (!row || row.workspace_id !== workspaceId || row.model !== model || row.expires_at <= now) return undefined;
      return blobs.get(row.blob_key);
    },
    async usage(workspaceId, now) {
      return usage.get(workspaceId, now)?.total ?? 0;
    },
    async sweep(now) {
      let total = 0;
      for (;;) {
        const batch = expired.all(now, 200);
        if (batch.length === 0) return total;
        await blobs.delete(batch.map((r) => r.blob_key));
        db.transaction(() => batch.forEach((r) => remove.run(r.key)))();
        total += batch.length;
      }
    },
  };
}
