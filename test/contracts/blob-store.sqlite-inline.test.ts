/**
 * The embedded deployment's blob store: small blobs as rows of the SQLite database, in front of
 * the local-disk files (src/blobs/sqlite/sqlite-inline-blobs.ts). The contract suite runs on it
 * as on every store; the rest checks where each blob lands and that a key lives in one place.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { buffer } from 'node:stream/consumers';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BlobStore } from '../../src/blobs/blob-store.js';
import { createFsBlobStore } from '../../src/blobs/fs/fs-blob-store.js';
import { INLINE_MAX_BYTES, withSqliteInlineBlobs } from '../../src/blobs/sqlite/sqlite-inline-blobs.js';
import { createUrlSigner, loadSigningKeys } from '../../src/blobs/url-signer.js';
import { openSqlite, type SqliteDatabase } from '../../src/db/sqlite/database.js';
import { describeBlobStoreContract, locallyServedHarness } from './blob-store.contract.js';

describeBlobStoreContract(
  'SQLite rows for small blobs, local disk for the rest',
  locallyServedHarness((dir, signer) => {
    const db = openSqlite(join(dir, 'retouch.db'));
    return { blobs: withSqliteInlineBlobs(createFsBlobStore(join(dir, 'blobs'), signer), db), close: () => db.close() };
  }),
);

describe('SQLite rows for small blobs', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });
  function store(): { blobs: BlobStore; db: SqliteDatabase; root: string; rows: () => string[] } {
    const root = mkdtempSync(join(tmpdir(), 'blobs-inline-'));
    const db = openSqlite(join(root, 'retouch.db'));
    cleanups.push(() => {
      db.close();
      rmSync(root, { recursive: true, force: true });
    });
    const signer = createUrlSigner(() => 'http://x', loadSigningKeys(join(root, 'keys.json'), Date.now()));
    const blobs = withSqliteInlineBlobs(createFsBlobStore(join(root, 'blobs'), signer), db);
    const rows = () => db.prepare<[], string>('SELECT key FROM inline_blobs ORDER BY key').pluck().all();
    return { blobs, db, root, rows };
  }

  it(`keeps a blob of up to ${INLINE_MAX_BYTES} bytes as a row and creates no file; a larger one is a file and no row`, async () => {
    const { blobs, root, rows } = store();
    await blobs.put('ws/inputs/ab/t1.0.png', Buffer.alloc(INLINE_MAX_BYTES, 1), 'image/png');
    await blobs.put('ws/inputs/ab/t2.0.png', Buffer.alloc(INLINE_MAX_BYTES + 1, 2), 'image/png');
    expect(rows()).toEqual(['ws/inputs/ab/t1.0.png']);
    expect(existsSync(join(root, 'blobs/ws/inputs/ab/t1.0.png'))).toBe(false);
    expect(existsSync(join(root, 'blobs/ws/inputs/ab/t2.0.png'))).toBe(true);
    expect((await blobs.get('ws/inputs/ab/t1.0.png'))!.equals(Buffer.alloc(INLINE_MAX_BYTES, 1))).toBe(true);
    expect((await blobs.get('ws/inputs/ab/t2.0.png'))!.length).toBe(INLINE_MAX_BYTES + 1);
  });

  it('a key rewritten across the limit reads as its last write, either way, and delete removes both places', async () => {
    const { blobs, root, rows } = store();
    const key = 'ws/results/cd/t3.0.png';
    const file = join(root, 'blobs', key);
    await blobs.put(key, Buffer.alloc(100, 1), 'image/png');
    await blobs.put(key, Buffer.alloc(100_000, 2), 'image/png');
    expect(rows()).toEqual([]);
    expect((await blobs.get(key))!.length).toBe(100_000);
    // Small again: the row answers, ahead of the file a larger write left.
    await blobs.put(key, Buffer.alloc(200, 3), 'image/png');
    expect(rows()).toEqual([key]);
    expect(existsSync(file)).toBe(true);
    expect((await blobs.get(key))!.equals(Buffer.alloc(200, 3))).toBe(true);
    const opened = (await blobs.open(key))!;
    expect(opened.size).toBe(200);
    expect((await buffer(opened.stream)).equals(Buffer.alloc(200, 3))).toBe(true);
    await blobs.delete([key]);
    expect(rows()).toEqual([]);
    expect(existsSync(file)).toBe(false);
    expect(await blobs.get(key)).toBeUndefined();
  });

  it('a small and a large write racing on one key leave one whole object', async () => {
    const { blobs } = store();
    for (let i = 0; i < 20; i++) {
      const key = `ws/results/ef/t${i}.0.png`;
      await blobs.put(key, Buffer.alloc(i % 2 ? 300 : 90_000, 9), 'image/png');
      await Promise.all([blobs.put(key, Buffer.alloc(120_000, 1), 'image/png'), blobs.put(key, Buffer.alloc(1_000, 2), 'image/png')]);
      const got = (await blobs.get(key))!;
      expect(new Set(got).size).toBe(1);
      expect(got.length).toBe(got[0] === 1 ? 120_000 : 1_000);
      const opened = (await blobs.open(key))!;
      expect(opened.size).toBe(got.length);
      expect((await buffer(opened.stream)).equals(got)).toBe(true);
    }
  });

  it('refuses an unsafe key for a small blob as the files do for a large one', async () => {
    const { blobs, rows } = store();
    await expect(blobs.put('../escape.png', Buffer.from('x'), 'image/png')).rejects.toThrow('unsafe blob key');
    await expect(blobs.put('../escape.png', Buffer.alloc(INLINE_MAX_BYTES + 1), 'image/png')).rejects.toThrow('unsafe blob key');
    expect(rows()).toEqual([]);
  });
});
