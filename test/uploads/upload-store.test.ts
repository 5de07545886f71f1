/**
 * The upload store's rules over a real repository and blob store: workspace and model binding,
 * expiry, the sweep, and the no-overwrite rule (real SQLite, real disk).
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createFsBlobStore } from '../../src/blobs/fs/fs-blob-store.js';
import { createUrlSigner } from '../../src/blobs/url-signer.js';
import { openSqlite } from '../../src/db/sqlite/database.js';
import { createSqliteUploadRepository } from '../../src/uploads/sqlite/sqlite-upload-repository.js';
import { createUploadStore } from '../../src/uploads/upload-store.js';

describe('upload store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'retouch-uploads-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads only for the same workspace before expiry, and sweeps expired uploads with their blobs', async () => {
    const db = openSqlite(join(dir, 'db.sqlite'));
    const blobs = createFsBlobStore(
      join(dir, 'blobs'),
      createUrlSigner(() => 'http://x', [{ id: 'k', secret: 's', createdAt: 0 }]),
    );
    const store = createUploadStore(createSqliteUploadRepository(db), blobs);
    const bytes = Buffer.from('hello');
    const put = (key: string, createdAt: number) =>
      store.put({ key, workspaceId: 'w1', model: 'm', contentType: 'image/png', bytes, createdAt, expiresAt: createdAt + 1000 });
    expect(await put('dir/a.png', 0)).toBe('stored');
    expect(await put('dir/b.png', 500)).toBe('stored');
    expect(await store.read('dir/a.png', 'w1', 'm', 999)).toEqual(bytes);
    expect(await store.read('dir/a.png', 'w2', 'm', 999)).toBeUndefined();
    expect(await store.read('dir/a.png', 'w1', 'other-model', 999)).toBeUndefined();
    expect(await store.read('dir/a.png', 'w1', 'm', 1000)).toBeUndefined();
    expect(await store.usage('w1', 999)).toBe(10);
    expect(await store.sweep(1200)).toBe(1);
    expect(await store.read('dir/b.png', 'w1', 'm', 1200)).toEqual(bytes);
    expect(db.prepare('SELECT COUNT(*) AS n FROM uploads').get()).toEqual({ n: 1 });
    // An expired key may be used again.
    expect(await put('dir/b.png', 5000)).toBe('stored');
    db.close();
  });

  it('never overwrites a live key: the same bytes are unchanged, other bytes exist; no blob is left behind', async () => {
    const db = openSqlite(join(dir, 'db2.sqlite'));
    const blobsDir = join(dir, 'blobs2');
    const blobs = createFsBlobStore(
      blobsDir,
      createUrlSigner(() => 'http://x', [{ id: 'k', secret: 's', createdAt: 0 }]),
    );
    const store = createUploadStore(createSqliteUploadRepository(db), blobs);
    const put = (bytes: Buffer, createdAt = 0) =>
      store.put({ key: 'dir/a.png', workspaceId: 'w1', model: 'm', contentType: 'image/png', bytes, createdAt, expiresAt: createdAt + 1000 });
    expect(await put(Buffer.from('one'))).toBe('stored');
    expect(await put(Buffer.from('one'))).toBe('unchanged');
    expect(await put(Buffer.from('two'))).toBe('exists');
    expect(await store.read('dir/a.png', 'w1', 'm', 10)).toEqual(Buffer.from('one'));
    // Concurrent uploads of one key: one is stored, the loser's bytes are deleted again.
    const race = await Promise.all([put(Buffer.from('x'), 2000), put(Buffer.from('y'), 2000)]);
    expect(race.sort()).toEqual(['exists', 'stored']);
    expect(await store.sweep(1e9)).toBe(1);
    expect(readdirSync(blobsDir, { recursive: true }).filter((f) => !String(f).endsWith('/') && statSync(join(blobsDir, String(f))).isFile())).toEqual([]);
    db.close();
  });
});
