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
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { isSafeKey, type BlobStore } from '../blob-store.js';
import { contentTypeOf } from '../keys.js';
import type { UrlSigner } from '../url-signer.js';

/** A temporary file older than this belongs to a write that will never finish. */
const STALE_TMP_MS = 10 * 60_000;

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

  return {
    async put(key, data) {
      const path = pathOf(key);
      const tmp = `${path}.${tmpPrefix}${(tmpCount++).toString(36)}.tmp`;
      // Keys live in per-task folders, so the folder is usually new. A concurrent delete of
      // the task's other blobs may remove it between the mkdir and the write (delete removes
      // folders it finds empty): then it is made again. Once the temporary file is in it, the
      // folder stays.
      for (let attempt = 0; ; attempt++) {
        await mkdir(dirname(path), { recursive: true });
        try {
          await writeTemp(tmp, data);
          break;
        } catch (err) {
          if (!isMissing(err) || attempt === 2) throw err;
        }
      }
      await rename(tmp, path);
    },
    async get(key) {
      try {
        return await readFile(pathOf(key));
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
