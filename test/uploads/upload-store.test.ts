/** The upload store: workspace and model binding, expiry and the sweep (real SQLite, real disk). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createFsBlobStore } from '../../src/blobs/fs/fs-blob-store.js';
import { createUrlSigner } from '../../src/blobs/url-signer.js';
import { openSqlite } from '../../src/tasks/sqlite/database.js';
import { createSqliteUploadStore } from '../../src/uploads/upload-store.js';

describe('upload store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'retouch-uploads-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads only for the same workspace before expiry, and sweeps expired uploads with their blobs', async () => {
    const db = openSqlite(join(dir, 'db.sqlite'));
    const blobs = createFsBlobStore(
      join(dir, 'blobs'),
      createUrlSigner(() => 'http://x', [{ id: 'k', secret: 's', createdAt: 0 }]),
    );
    const store = createSqliteUploadStore(db, blobs);
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
});
