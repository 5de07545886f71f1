/**
 * BlobStore on the local disk. Writes go to a temporary file in the same directory and are
 * renamed into place (atomic on POSIX), so a crash never leaves a partial file behind a key.
 * Content types are derived from the key's extension.
 *
 * The temporary file is `<key>.tmp`, created exclusively; a second writer of the same key (or
 * the leftover of a crash) makes the first writer fall back to a unique name. So delete() finds
 * what a crash left behind a key without listing its folder (folders hold many keys: see
 * keys.ts). Folders are made when a write finds them missing, not before every write.
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
import { mkdir, open, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
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
  async function writeTemp(tmp: string, data: Buffer, flag: 'w' | 'wx'): Promise<void> {
    if (!fsync) return writeFile(tmp, data, { flag });
    const file = await open(tmp, flag);
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
      let tmp = `${path}.tmp`;
      let flag: 'w' | 'wx' = 'wx';
      const sync = !fsync && data.length <= SYNC_MAX_BYTES;
      // The folder usually exists (keys.ts: a few hundred per workspace). When it does not, or a
      // concurrent delete removed it (delete removes folders it finds empty), it is made and the
      // write tried again; once the temporary file is in it, the folder stays.
      for (let made = 0; ;) {
        try {
          if (sync) writeFileSync(tmp, data, { flag });
          else await writeTemp(tmp, data, flag);
          break;
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'EEXIST' && flag === 'wx') {
            tmp = `${path}.${tmpPrefix}${(tmpCount++).toString(36)}.tmp`;
            flag = 'w';
          } else if (code === 'ENOENT' && made++ < 3) {
            if (sync) mkdirSync(dirname(path), { recursive: true });
            else await mkdir(dirname(path), { recursive: true });
          } else throw err;
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
        // The temporary file a crash left behind this key goes too: its write never finished and
        // nothing references it. (Only a stale one: a write in progress is seconds old.)
        const info = await stat(`${path}.tmp`).catch(() => undefined);
        if (info && Date.now() - info.mtimeMs > STALE_TMP_MS) await rm(`${path}.tmp`, { force: true });
        dirs.add(dirname(path));
      }
      // Folders found empty go (rmdir of a non-empty folder fails, which is fine).
      for (const dir of dirs) await rmdir(dir).catch(() => undefined);
    },
    async urlFor(key, expiresAt) {
      return signer.sign(key, expiresAt);
    },
  };
}
