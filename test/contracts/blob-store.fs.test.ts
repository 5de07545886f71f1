import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import Fastify from 'fastify';
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
