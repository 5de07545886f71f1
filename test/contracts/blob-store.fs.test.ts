import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFsBlobStore, SYNC_MAX_BYTES } from '../../src/blobs/fs/fs-blob-store.js';
import { createUrlSigner, loadSigningKeys } from '../../src/blobs/url-signer.js';
import { describeBlobStoreContract, locallyServedHarness } from './blob-store.contract.js';

describeBlobStoreContract(
  'local disk',
  locallyServedHarness((dir, signer) => ({ blobs: createFsBlobStore(join(dir, 'blobs'), signer) })),
);

describe('local disk: leftovers of interrupted writes', () => {
  it('a write next to what a crash left behind its key succeeds; deleting the key removes the stale temporary file, not a fresh one', async () => {
    const root = mkdtempSync(join(tmpdir(), 'blobs-tmp-'));
    try {
      const signer = createUrlSigner(() => 'http://x', loadSigningKeys(join(root, 'keys.json'), Date.now()));
      for (const fsync of [false, true]) {
        const blobs = createFsBlobStore(join(root, `blobs-${fsync}`), signer, { fsync });
        await blobs.put('ws/results/ab/t1.0.png', Buffer.from('first'), 'image/png');
        const folder = join(root, `blobs-${fsync}`, 'ws', 'results', 'ab');
        // What a crash between write and rename leaves behind: the key's temporary file.
        const stale = join(folder, 't1.0.png.tmp');
        const fresh = join(folder, 't1.1.png.tmp');
        writeFileSync(stale, 'partial');
        writeFileSync(fresh, 'partial');
        const hourAgo = new Date(Date.now() - 3_600_000);
        utimesSync(stale, hourAgo, hourAgo);
        // Overwriting the key still works (under another temporary name) and leaves no new leftover.
        await blobs.put('ws/results/ab/t1.0.png', Buffer.from('second'), 'image/png');
        expect((await blobs.get('ws/results/ab/t1.0.png'))?.toString()).toBe('second');
        expect(readdirSync(folder).sort()).toEqual(['t1.0.png', 't1.0.png.tmp', 't1.1.png.tmp']);

        await blobs.delete(['ws/results/ab/t1.0.png', 'ws/results/ab/t1.1.png']);
        expect(existsSync(stale)).toBe(false);
        expect(existsSync(fresh)).toBe(true);
        utimesSync(fresh, hourAgo, hourAgo);
        await blobs.delete(['ws/results/ab/t1.1.png']);
        // Empty now, so the folder goes too.
        expect(existsSync(folder)).toBe(false);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('local disk: task folders', () => {
  it('makes a folder on the first write into it, again after a delete removed it, and never loses a write racing a delete', async () => {
    const root = mkdtempSync(join(tmpdir(), 'blobs-dirs-'));
    try {
      const signer = createUrlSigner(() => 'http://x', loadSigningKeys(join(root, 'keys.json'), Date.now()));
      for (const fsync of [false, true]) {
        const blobs = createFsBlobStore(join(root, `blobs-${fsync}`), signer, { fsync });
        await blobs.put('ws/inputs/t1/0.png', Buffer.from('a'), 'image/png');
        expect((await blobs.get('ws/inputs/t1/0.png'))?.toString()).toBe('a');
        await blobs.delete(['ws/inputs/t1/0.png']);
        expect(existsSync(join(root, `blobs-${fsync}`, 'ws', 'inputs', 't1'))).toBe(false);
        await blobs.put('ws/inputs/t1/1.png', Buffer.from('b'), 'image/png');
        expect((await blobs.get('ws/inputs/t1/1.png'))?.toString()).toBe('b');

        // Each round: one write into a folder while the folder's only other blob is deleted
        // (which removes the folder when it finds it empty).
        for (let i = 0; i < 50; i++) {
          const folder = `ws/race/t${i}`;
          await blobs.put(`${folder}/old.png`, Buffer.from('old'), 'image/png');
          await Promise.all([blobs.delete([`${folder}/old.png`]), blobs.put(`${folder}/new.png`, Buffer.from(`new ${i}`), 'image/png')]);
          expect((await blobs.get(`${folder}/new.png`))?.toString()).toBe(`new ${i}`);
          expect(await blobs.get(`${folder}/old.png`)).toBeUndefined();
        }
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('local disk: synchronous small writes next to pooled large ones', () => {
  it('a small (synchronous) and a large (thread pool) write racing on one key leave one whole object, with and without fsync', async () => {
    const root = mkdtempSync(join(tmpdir(), 'blobs-mixed-'));
    try {
      const signer = createUrlSigner(() => 'http://x', loadSigningKeys(join(root, 'keys.json'), Date.now()));
      for (const fsync of [false, true]) {
        const blobs = createFsBlobStore(join(root, `blobs-${fsync}`), signer, { fsync });
        for (let i = 0; i < 10; i++) {
          const key = `ws/results/t${i}/0.png`;
          await Promise.all([blobs.put(key, Buffer.alloc(SYNC_MAX_BYTES + 300_000, 1), 'image/png'), blobs.put(key, Buffer.alloc(1_000, 2), 'image/png')]);
          const got = (await blobs.get(key))!;
          expect(new Set(got).size).toBe(1);
          expect(got.length).toBe(got[0] === 1 ? SYNC_MAX_BYTES + 300_000 : 1_000);
        }
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
