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
