/**
 * Temporary uploads: the `uploads` rows (key → workspace, blob, expiry) with the bytes in the
 * BlobStore. An upload is visible only to its workspace and only until it expires (48 h by
 * default); `sweep` deletes expired rows and their blobs.
 *
 * Two layers: UploadStore (what upload-service.ts uses) keeps the rules, hashing, the no-overwrite
 * rule, the race between two uploads of one key, where the bytes go; UploadRepository (adapters
 * under ./sqlite and ./postgres) stores rows.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { BlobStore } from '../blobs/blob-store.js';
import { uploadBlobKey } from '../blobs/keys.js';

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

/** An `uploads` row. */
export interface UploadRecord extends StoredUpload {
  readonly blobKey: string;
  readonly sha256: string;
}

/**
 * The UploadRepository port: the `uploads` rows. Contract (test/contracts/upload-repository.contract.ts):
 * - `insert` never replaces a row: false when the key is taken (also by a concurrent insert on
 *   another node, settled by the primary key);
 * - `deleteIfExpired` and `takeExpired` only remove rows with expiresAt <= now; `takeExpired`
 *   hands each removed row to one caller only (nodes sweeping at once split the rows).
 */
export interface UploadRepository {
  find(key: string): Promise<UploadRecord | undefined>;
  insert(row: UploadRecord): Promise<boolean>;
  /** Deletes the row of `key` if it expired; true when it did. */
  deleteIfExpired(key: string, now: number): Promise<boolean>;
  /** Sum of the sizes of the workspace's live rows. */
  usage(workspaceId: string, now: number): Promise<number>;
  /** Deletes up to `limit` expired rows and returns their blob keys. */
  takeExpired(now: number, limit: number): Promise<string[]>;
}

const SWEEP_BATCH = 200;

export function createUploadStore(repository: UploadRepository, blobs: BlobStore): UploadStore {
  return {
    async put(upload) {
      const sha256 = createHash('sha256').update(upload.bytes).digest('hex');
      const existing = await repository.find(upload.key);
      if (existing && existing.expiresAt > upload.createdAt) return existing.sha256 === sha256 ? 'unchanged' : 'exists';
      // An expired leftover the sweeper has not reached yet: the key is free again.
      if (existing && (await repository.deleteIfExpired(existing.key, upload.createdAt))) await blobs.delete([existing.blobKey]);
      // Blob keys are ours (safe characters only); the upload key is whatever the client chose.
      const blobKey = uploadBlobKey(upload.workspaceId, randomUUID());
      await blobs.put(blobKey, upload.bytes, upload.contentType);
      const { bytes, ...fields } = upload;
      if (!(await repository.insert({ ...fields, size: bytes.length, blobKey, sha256 }))) {
        // Lost a race with a concurrent upload of the same key (maybe on another node).
        await blobs.delete([blobKey]);
        return (await repository.find(upload.key))?.sha256 === sha256 ? 'unchanged' : 'exists';
      }
      return 'stored';
    },
    async read(key, workspaceId, model, now) {
      const row = await repository.find(key);
      if (!row || row.workspaceId !== workspaceId || row.model !== model || row.expiresAt <= now) return undefined;
      return blobs.get(row.blobKey);
    },
    usage: (workspaceId, now) => repository.usage(workspaceId, now),
    async sweep(now) {
      let total = 0;
      for (;;) {
        // Rows first, then their blobs: a failure leaves orphan bytes (harmless) rather than
        // rows pointing at nothing.
        const blobKeys = await repository.takeExpired(now, SWEEP_BATCH);
        if (blobKeys.length === 0) return total;
        await blobs.delete(blobKeys);
        total += blobKeys.length;
      }
    },
  };
}
