/**
 * BlobStore on the local disk. Writes go to a temporary file in the same directory and are
 * renamed into place (atomic on POSIX), so a crash never leaves a partial file behind a key.
 * Content types are derived from the key's extension.
 *
 * Durability follows the database's (`fsync`): once `put` resolves the bytes are in the
 * kernel's page cache, which a killed process cannot lose. Surviving a power loss needs the
 * fsync before the rename, which is only worth its cost when the task rows are fsynced too
 * (SQLite `synchronous = FULL`, or PostgreSQL); with SQLite's default `NORMAL` a power loss may
 * drop the last commits anyway, and the blobs they refer to with them.
 *
 * Small blobs (up to SYNC_MAX_BYTES) are written and read with synchronous calls when no fsync
 * is asked for (issue 15). Each promise-based file call is a round trip through libuv's thread
 * pool (a put is five: mkdir, open, write, close, rename; a get four), and on these 2-core
 * machines the hand-offs cost more CPU than the calls themselves: a 1.3 KB put and get took
 * 400 µs of process CPU through the pool against 140 µs synchronously (docs/benchmarks.md).
 * A synchronous call on a small file into the page cache blocks the event loop for tens of
 * microseconds, less than parsing the request that brought it; larger blobs, and every fsynced
 * write (which waits for the disk), stay on the pool.
 */
import { closeSync, createReadStream, fstatSync, mkdirSync, openSync, readSync, renameSync, writeFileSync } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { isSafeKey, type BlobStore } from '../blob-store.js';
import { contentTypeOf } from '../keys.js';
import type { UrlSigner } from '../url-signer.js';

/** A temporary file older than this belongs to a write that will never finish. */
const STALE_TMP_MS = 10 * 60_000;

/** Blobs up to this size are written (without fsync) and read with synchronous calls; see above. */
export const SYNC_MAX_BYTES = 256 * 1024;

export function createFsBlobStore(root: string, signer: UrlSigner, options: { fsync?: boolean } = {}): BlobStore {
  const fsync = options.fsync ?? true;
  const pathOf = (key: string): string => {
    if (!isSafeKey(key)) throw new Error(`unsafe blob key: ${key}`);
    return join(root, key);
  };
  const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';
  // Temporary names: unique per store (processes sharing a data dir draw their own prefix) by
  // a counter, not a random draw per write.
  const tmpPrefix = randomBytes(4).toString('hex');
  let tmpCount = 0;
  async function writeTemp(tmp: string, data: Buffer): Promise<void> {
    if (!fsync) return writeFile(tmp, data);
    const file = await open(tmp, 'w');
    try {
      await file.writeFile(data);
      await file.sync();
    } finally {
      await file.close();
    }
  }

  /** The whole file when it is small (read synchronously), else undefined: read it on the pool. */
  function readSmall(path: string): Buffer | undefined {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size > SYNC_MAX_BYTES) return undefined;
      const data = Buffer.allocUnsafe(size);
      let read = 0;
      while (read < size) {
        const n = readSync(fd, data, read, size - read, read);
        if (n === 0) return data.subarray(0, read); // truncated since fstat
        read += n;
      }
      return data;
    } finally {
      closeSync(fd);
    }
  }

  return {
    async put(key, data) {
      const path = pathOf(key);
      const tmp = `${path}.${tmpPrefix}${(tmpCount++).toString(36)}.tmp`;
      const sync = !fsync && data.length <= SYNC_MAX_BYTES;
      // Keys live in per-task folders, so the folder is usually new. A concurrent delete of
      // the task's other blobs may remove it between the mkdir and the write (delete removes
      // folders it finds empty): then it is made again. Once the temporary file is in it, the
      // folder stays.
      for (let attempt = 0; ; attempt++) {
        try {
          if (sync) {
            mkdirSync(dirname(path), { recursive: true });
            writeFileSync(tmp, data);
          } else {
            await mkdir(dirname(path), { recursive: true });
            await writeTemp(tmp, data);
          }
          break;
        } catch (err) {
          if (!isMissing(err) || attempt === 2) throw err;
        }
      }
      if (sync) renameSync(tmp, path);
      else await rename(tmp, path);
    },
    async get(key) {
      const path = pathOf(key);
      try {
        return readSmall(path) ?? (await readFile(path));
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw err;
      }
    },
    async open(key) {
      const path = pathOf(key);
      try {
        const info = await stat(path);
        if (!info.isFile()) return undefined;
        return { stream: createReadStream(path), size: info.size, contentType: contentTypeOf(key) };
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw err;
      }
    },
    async delete(keys) {
      const dirs = new Set<string>();
      for (const key of keys) {
        const path = pathOf(key);
        await rm(path, { force: true });
        dirs.add(dirname(path));
      }
      // Remove the per-task folders once empty (rmdir of a non-empty folder fails, which is fine).
      // Temporary files a crash left next to the deleted objects go too: their write never
      // finished, nothing references them, and they would keep the folder forever. (Only stale
      // ones: a write in progress is seconds old.)
      for (const dir of dirs) {
        const names = await readdir(dir).catch(() => [] as string[]);
        for (const name of names.filter((n) => n.endsWith('.tmp'))) {
          const info = await stat(join(dir, name)).catch(() => undefined);
          if (info && Date.now() - info.mtimeMs > STALE_TMP_MS) await rm(join(dir, name), { force: true });
        }
        await rmdir(dir).catch(() => undefined);
      }
    },
    async urlFor(key, expiresAt) {
      return signer.sign(key, expiresAt);
    },
  };
}
