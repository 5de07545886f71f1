/**
 * The BlobStore conformance suite, run against every adapter (fs now, S3 later). `urlFor` links
 * are fetched over real HTTP, so each harness provides a server that serves them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerFileRoutes } from '../../src/api/routes/files.js';
import type { BlobStore } from '../../src/blobs/blob-store.js';
import { createUrlSigner, loadSigningKeys, type UrlSigner } from '../../src/blobs/url-signer.js';

export interface BlobHarness {
  open(): Promise<BlobStore>;
  cleanup(): Promise<void>;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

/**
 * The harness of a store whose links retouch serves itself (the local disk): `make` builds it in a
 * fresh folder with a signer for this process's file route, which serves the links on loopback.
 * (The route's error handler is the API's, so plain statuses here.)
 */
export function locallyServedHarness(make: (dir: string, signer: UrlSigner) => { blobs: BlobStore; close?: () => void }): BlobHarness {
  let dir = '';
  let app: FastifyInstance | undefined;
  let close: (() => void) | undefined;
  return {
    async open() {
      dir = mkdtempSync(join(tmpdir(), 'blobs-'));
      let base = '';
      const signer = createUrlSigner(() => base, loadSigningKeys(join(dir, 'keys.json'), Date.now()));
      const made = make(dir, signer);
      close = made.close;
      app = Fastify();
      registerFileRoutes(app, { blobs: made.blobs, signer, clock: { now: () => Date.now() } });
      app.setErrorHandler((err: { status?: number }, _req, reply) => reply.status(err.status ?? 500).send({}));
      base = await app.listen({ host: '127.0.0.1', port: 0 });
      return made.blobs;
    },
    async cleanup() {
      await app?.close();
      close?.();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function describeBlobStoreContract(name: string, harness: BlobHarness): void {
  describe(`BlobStore contract: ${name}`, () => {
    let blobs: BlobStore;
    beforeAll(async () => {
      blobs = await harness.open();
    });
    afterAll(() => harness.cleanup());

    // Sizes on both sides of the embedded database's limit (64 KiB, sqlite-inline-blobs.ts) and of
    // the local disk's synchronous one (256 KiB, fs-blob-store.ts).
    it.each([0, 65_536, 65_537, 70_000, 262_144, 262_145, 1_500_000])('round-trips %i bytes and reports size and content type', async (length) => {
      const data = Buffer.from(Array.from({ length }, (_, i) => (i * 7 + length) % 251));
      const key = `ws/results/t1-${length}/0.png`;
      await blobs.put(key, data, 'image/png');
      expect(await blobs.get(key)).toEqual(data);
      const obj = await blobs.open(key);
      expect(obj?.size).toBe(data.length);
      expect(obj?.contentType).toBe('image/png');
      expect(await readAll(obj!.stream)).toEqual(data);
    });

    it('answers undefined for missing keys and deletes idempotently', async () => {
      expect(await blobs.get('ws/results/none/0.png')).toBeUndefined();
      expect(await blobs.open('ws/results/none/0.png')).toBeUndefined();
      await blobs.put('ws/inputs/t2/0.jpg', Buffer.from('x'), 'image/jpeg');
      await blobs.delete(['ws/inputs/t2/0.jpg', 'ws/inputs/t2/1.jpg']);
      expect(await blobs.get('ws/inputs/t2/0.jpg')).toBeUndefined();
      await blobs.delete(['ws/inputs/t2/0.jpg']);
    });

    it('overwrites whole objects, never leaving a mix', async () => {
      await blobs.put('ws/results/t3/0.png', Buffer.alloc(50_000, 1), 'image/png');
      await Promise.all([
        blobs.put('ws/results/t3/0.png', Buffer.alloc(50_000, 2), 'image/png'),
        blobs.put('ws/results/t3/0.png', Buffer.alloc(50_000, 3), 'image/png'),
      ]);
      const got = (await blobs.get('ws/results/t3/0.png'))!;
      expect(new Set(got).size).toBe(1);
    });

    it('issues links that download until they expire, and refuses altered ones', async () => {
      const data = Buffer.from('result bytes');
      await blobs.put('ws/results/t4/0.png', data, 'image/png');
      const url = await blobs.urlFor('ws/results/t4/0.png', Date.now() + 60_000);
      const ok = await fetch(url);
      expect(ok.status).toBe(200);
      expect(Buffer.from(await ok.arrayBuffer())).toEqual(data);
      const tampered = url.replace('t4/0.png', 't4/1.png');
      expect((await fetch(tampered)).status).toBe(403);
      const expired = await blobs.urlFor('ws/results/t4/0.png', Date.now() - 1000);
      expect((await fetch(expired)).status).toBe(403);
    });
  });
}
