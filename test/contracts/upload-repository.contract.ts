/**
 * The UploadRepository conformance suite (the `uploads` rows), run on SQLite and PostgreSQL
 * (state.sqlite.test.ts, state.postgres.test.ts). The rules above it (hashing, no-overwrite,
 * blobs) are the UploadStore's, tested in test/uploads/upload-store.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UploadRecord, UploadRepository } from '../../src/uploads/upload-store.js';
import type { StateHarness } from './harness.js';

const T0 = 1_750_000_000_000;

const row = (overrides: Partial<UploadRecord> = {}): UploadRecord => ({
  key: 'dashscope-instant/abc/2025-06-15/u1/photo.png',
  workspaceId: 'ws-a',
  model: 'm',
  size: 100,
  contentType: 'image/png',
  createdAt: T0,
  expiresAt: T0 + 1000,
  blobKey: 'uploads/tag/b1',
  sha256: 'aa'.repeat(32),
  ...overrides,
});

export function describeUploadRepositoryContract(name: string, harness: StateHarness): void {
  describe(`UploadRepository contract: ${name}`, () => {
    let uploads: UploadRepository;
    beforeEach(async () => {
      uploads = (await harness.open()).uploadRows;
    });
    afterEach(() => harness.cleanup());

    it('stores a row and reads it back whole; never replaces one', async () => {
      expect(await uploads.find('nope')).toBeUndefined();
      expect(await uploads.insert(row())).toBe(true);
      expect(await uploads.find(row().key)).toEqual(row());
      expect(await uploads.insert(row({ blobKey: 'uploads/tag/b2', sha256: 'bb'.repeat(32) }))).toBe(false);
      expect((await uploads.find(row().key))!.blobKey).toBe('uploads/tag/b1');
    });

    it('lets exactly one of two concurrent inserts of a key win', async () => {
      const results = await Promise.all([uploads.insert(row({ blobKey: 'uploads/tag/x' })), uploads.insert(row({ blobKey: 'uploads/tag/y' }))]);
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('sums the live sizes of a workspace', async () => {
      await uploads.insert(row({ key: 'a', size: 10 }));
      await uploads.insert(row({ key: 'b', size: 20, expiresAt: T0 + 5000 }));
      await uploads.insert(row({ key: 'c', size: 40, workspaceId: 'ws-b' }));
      expect(await uploads.usage('ws-a', T0)).toBe(30);
      expect(await uploads.usage('ws-a', T0 + 1000)).toBe(20);
      expect(await uploads.usage('ws-none', T0)).toBe(0);
    });

    it('deletes a row only once it expired', async () => {
      await uploads.insert(row());
      expect(await uploads.deleteIfExpired(row().key, T0 + 999)).toBe(false);
      expect(await uploads.find(row().key)).toBeDefined();
      expect(await uploads.deleteIfExpired(row().key, T0 + 1000)).toBe(true);
      expect(await uploads.find(row().key)).toBeUndefined();
      expect(await uploads.deleteIfExpired(row().key, T0 + 1000)).toBe(false);
    });

    it('takes expired rows in batches, each once, and returns their blob keys', async () => {
      for (let i = 0; i < 5; i++) await uploads.insert(row({ key: `k${i}`, blobKey: `uploads/tag/${i}`, expiresAt: T0 + i }));
      await uploads.insert(row({ key: 'live', expiresAt: T0 + 1e9 }));
      const first = await uploads.takeExpired(T0 + 10, 3);
      const second = await uploads.takeExpired(T0 + 10, 3);
      expect(first).toHaveLength(3);
      expect([...first, ...second].sort()).toEqual([0, 1, 2, 3, 4].map((i) => `uploads/tag/${i}`));
      expect(await uploads.takeExpired(T0 + 10, 3)).toEqual([]);
      expect(await uploads.find('live')).toBeDefined();
    });
  });
}
