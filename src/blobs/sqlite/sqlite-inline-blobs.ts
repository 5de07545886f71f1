/**
 * Small blobs kept in the embedded SQLite database, in front of the local-disk store (issue 15).
 * A blob of up to INLINE_MAX_BYTES (task inputs, results and uploads) is a row of `inline_blobs`
 * instead of a file; anything larger is a file, as before. Keys and links do not change: a reader
 * looks for the row first, then for the file.
 *
 * Why: a new file is an inode to allocate. On ext4 here that cost 30–50 µs of kernel time on a
 * quiet disk and 700–1,300 µs while files are being deleted as fast as they are made (the
 * allocator skips inodes whose deletion the journal has not committed yet: the steady state of
 * a service whose tasks expire as new ones arrive), and a task creates two (its input and its
 * result). A row is written in the write batch's commit that the task's own rows share
 * (write-batch.ts): 113 µs for 16 KiB, 285 µs for 64 KiB, ~1,150 µs for 256 KiB, where the file
 * catches up (a row's bytes are written twice, to the WAL and at the checkpoint). End to end, a
 * no-op task with a 55 KB result ran at 684–723 tasks/s with a 64 KiB limit against 398–446 with
 * 16 KiB (docs/benchmarks.md, stop 24), so 64 KiB it is.
 *
 * Guarantees, as the BlobStore contract asks:
 * - `put` is atomic either way (a row commits whole; a file is renamed into place), and resolves
 *   only once the row is committed, so it is as durable as the task rows (`synchronous`);
 * - a key lives in one place: a large put removes the key's row once its file is in place, so a
 *   reader sees the old bytes or the new ones, never neither; a small put shadows a file left
 *   from a larger earlier write of the key, and `delete` removes both.
 * Backups copy the rows with the database (backup.ts). The database file does not shrink when
 * rows are deleted; SQLite reuses the freed pages for the next rows.
 */
import { Readable } from 'node:stream';
import { isSafeKey, type BlobStore } from '../blob-store.js';
import { contentTypeOf } from '../keys.js';
import type { SqliteDatabase } from '../../db/sqlite/database.js';
import { writeBatchFor } from '../../db/sqlite/write-batch.js';

/** Blobs up to this size are rows of the database; see above for how it was chosen. */
export const INLINE_MAX_BYTES = 64 * 1024;

/** `maxBytes` other than the default is for bench/small-blobs.ts, which measures both sides of it. */
export function withSqliteInlineBlobs(files: BlobStore, db: SqliteDatabase, maxBytes = INLINE_MAX_BYTES): BlobStore {
  const batch = writeBatchFor(db);
  const upsert = db.prepare<[string, Buffer]>('INSERT INTO inline_blobs (key, data) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET data = excluded.data');
  const select = db.prepare<[string], Buffer>('SELECT data FROM inline_blobs WHERE key = ?').pluck();
  const exists = db.prepare<[string], number>('SELECT 1 FROM inline_blobs WHERE key = ?').pluck();
  const remove = db.prepare<[string]>('DELETE FROM inline_blobs WHERE key = ?');

  return {
    async put(key, data, contentType) {
      if (data.length <= maxBytes) {
        // The same refusal as a file's, so that where a blob lands never changes which keys work.
        if (!isSafeKey(key)) throw new Error(`unsafe blob key: ${key}`);
        await batch.run(() => upsert.run(key, data));
        return;
      }
      await files.put(key, data, contentType);
      if (exists.get(key)) await batch.run(() => remove.run(key));
    },
    async get(key) {
      return select.get(key) ?? files.get(key);
    },
    async open(key) {
      const data = select.get(key);
      if (!data) return files.open(key);
      return { stream: Readable.from([data]), size: data.length, contentType: contentTypeOf(key) };
    },
    async delete(keys) {
      if (keys.length > 0) await batch.run(() => keys.forEach((key) => remove.run(key)));
      await files.delete(keys);
    },
    urlFor: (key, expiresAt) => files.urlFor(key, expiresAt),
  };
}
