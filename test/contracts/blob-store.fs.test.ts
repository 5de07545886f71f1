import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { registerFileRoutes } from '../../src/api/routes/files.js';
import { createFsBlobStore } from '../../src/blobs/fs/fs-blob-store.js';
import { createUrlSigner, loadSigningKeys } from '../../src/blobs/url-signer.js';
import { describeBlobStoreContract } from './blob-store.contract.js';

let dir = '';
let app: FastifyInstance | undefined;

describeBlobStoreContract('local disk', {
  async open() {
    dir = mkdtempSync(join(tmpdir(), 'blobs-'));
    let base = '';
    const signer = createUrlSigner(() => base, loadSigningKeys(join(dir, 'keys.json'), Date.now()));
    const blobs = createFsBlobStore(join(dir, 'blobs'), signer);
    // The file route is what serves fs links; its error handler is the API's, so use plain statuses here.
    app = Fastify();
    registerFileRoutes(app, { blobs, signer, clock: { now: () => Date.now() } });
    app.setErrorHandler((err: { status?: number }, _req, reply) => reply.status(err.status ?? 500).send({}));
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    return blobs;
  },
  async cleanup() {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  },
});

describe('local disk: leftovers of interrupted writes', () => {
  it('deleting a task folder also removes stale temporary files, so the folder goes', async () => {
    const root = mkdtempSync(join(tmpdir(), 'blobs-tmp-'));
    try {
      const signer = createUrlSigner(() => 'http://x', loadSigningKeys(join(root, 'keys.json'), Date.now()));
      const blobs = createFsBlobStore(join(root, 'blobs'), signer);
      await blobs.put('ws/results/t1/0.png', Buffer.from('done'), 'image/png');
      const folder = join(root, 'blobs', 'ws', 'results', 't1');
      // What a crash between write and rename leaves behind: one stale, one still being written.
      const stale = join(folder, '1.png.0a1b2c3d.tmp');
      const fresh = join(folder, '2.png.0e0f1a2b.tmp');
      writeFileSync(stale, 'partial');
      writeFileSync(fresh, 'partial');
      const hourAgo = new Date(Date.now() - 3_600_000);
      utimesSync(stale, hourAgo, hourAgo);

      await blobs.delete(['ws/results/t1/0.png']);
      expect(existsSync(stale)).toBe(false);
      expect(existsSync(fresh)).toBe(true);

      utimesSync(fresh, hourAgo, hourAgo);
      await blobs.delete(['ws/results/t1/0.png']);
      expect(existsSync(folder)).toBe(false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
