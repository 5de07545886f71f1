import { describe, expect, it } from 'vitest';
import { createS3BlobStore } from '../../src/blobs/s3/s3-blob-store.js';
import { startS3, type TestS3 } from '../helpers/s3-server.js';
import { describeBlobStoreContract } from './blob-store.contract.js';

let s3: TestS3 | undefined;

// Links are real presigned GETs, downloaded over HTTP from the S3 server on loopback.
describeBlobStoreContract('S3 (s3rver)', {
  async open() {
    s3 = await startS3();
    return createS3BlobStore({
      bucket: s3.bucket,
      endpoint: s3.endpoint,
      region: 'us-east-1',
      accessKeyId: s3.env.RETOUCH_S3_ACCESS_KEY_ID,
      secretAccessKey: s3.env.RETOUCH_S3_SECRET_ACCESS_KEY,
      forcePathStyle: true,
    });
  },
  async cleanup() {
    await s3?.close();
  },
});

describe('S3 links for a public origin (RETOUCH_S3_PUBLIC_ENDPOINT)', () => {
  it('signs links for the public origin, and they download from there', async () => {
    const server = await startS3('retouch-public');
    try {
      const internal = new URL(server.endpoint);
      // Another name for the same server: what clients reach while the nodes use the address.
      const publicEndpoint = `${internal.protocol}//localhost:${internal.port}`;
      const blobs = createS3BlobStore({
        bucket: server.bucket,
        endpoint: server.endpoint,
        publicEndpoint,
        region: 'us-east-1',
        accessKeyId: server.env.RETOUCH_S3_ACCESS_KEY_ID,
        secretAccessKey: server.env.RETOUCH_S3_SECRET_ACCESS_KEY,
        forcePathStyle: true,
      });
      await blobs.put('ws/results/t/0.png', Buffer.from('public bytes'), 'image/png');
      const url = new URL(await blobs.urlFor('ws/results/t/0.png', Date.now() + 60_000));
      expect(url.origin).toBe(publicEndpoint);
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).toString()).toBe('public bytes');
    } finally {
      await server.close();
    }
  });
});
