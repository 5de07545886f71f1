/**
 * BlobStore on an S3-compatible object store (AWS S3, MinIO, Ceph RGW, R2, …), shared by every
 * node. Keys are used as object keys unchanged; they already start with the workspace.
 *
 * - `put` is atomic by S3 semantics: an object appears whole when its PUT completes, and a
 *   concurrent overwrite replaces it whole.
 * - `urlFor` is a SigV4 presigned GET, verified by the store itself, so results never pass
 *   through retouch. SigV4 caps a presigned URL at 7 days; a link for an `expiresAt` further
 *   out is cut to that. With temporary credentials (an STS session) a link also dies with the
 *   session, so prefer static keys for the signing identity.
 * - `delete` sends DeleteObjects in batches of 1000 (the API's limit); missing keys are not errors.
 */
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type GetObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Readable } from 'node:stream';
import { isSafeKey, type BlobStore } from '../blob-store.js';
import { contentTypeOf } from '../keys.js';

export interface S3Options {
  readonly bucket: string;
  /** e.g. "http://127.0.0.1:9000" for MinIO; default: AWS for the region. */
  readonly endpoint?: string;
  /**
   * The origin clients download result links from, when it differs from `endpoint` (a private
   * address for the nodes, a public name for users). SigV4 signs the host, so links are signed
   * for this origin.
   */
  readonly publicEndpoint?: string;
  readonly region: string;
  /** Without them, the AWS SDK's default chain (environment, profile, instance role). */
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  /** "host/bucket/key" URLs instead of "bucket.host/key"; most self-hosted stores need it. */
  readonly forcePathStyle: boolean;
  /** Current time for signing links, epoch ms. */
  readonly now?: () => number;
}

const MAX_PRESIGN_S = 7 * 24 * 3600;
const DELETE_BATCH = 1000;

function isMissing(err: unknown): boolean {
  return err instanceof NoSuchKey || (err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404);
}

export function createS3BlobStore(options: S3Options): BlobStore & { readonly client: S3Client } {
  const clientFor = (endpoint: string | undefined) =>
    new S3Client({
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      ...(endpoint ? { endpoint } : {}),
      ...(options.accessKeyId && options.secretAccessKey
        ? { credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } }
        : {}),
    });
  const client = clientFor(options.endpoint);
  // Presigning makes no request: a second client only to sign for the public origin.
  const signingClient = options.publicEndpoint ? clientFor(options.publicEndpoint) : client;
  const now = options.now ?? Date.now;
  const Bucket = options.bucket;
  const checked = (key: string) => {
    if (!isSafeKey(key)) throw new Error(`unsafe blob key: ${key}`);
    return key;
  };
  const fetchObject = async (key: string): Promise<GetObjectCommandOutput | undefined> => {
    try {
      return await client.send(new GetObjectCommand({ Bucket, Key: checked(key) }));
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  };

  return {
    client,
    async put(key, data, contentType) {
      await client.send(new PutObjectCommand({ Bucket, Key: checked(key), Body: data, ContentType: contentType }));
    },
    async get(key) {
      const object = await fetchObject(key);
      return object?.Body ? Buffer.from(await object.Body.transformToByteArray()) : undefined;
    },
    async open(key) {
      const object = await fetchObject(key);
      if (!object?.Body) return undefined;
      return {
        // In Node the body is an http.IncomingMessage, a Readable.
        stream: object.Body as Readable,
        size: object.ContentLength ?? 0,
        contentType: object.ContentType ?? contentTypeOf(key),
      };
    },
    async delete(keys) {
      for (let i = 0; i < keys.length; i += DELETE_BATCH) {
        const batch = keys.slice(i, i + DELETE_BATCH).map((key) => ({ Key: checked(key) }));
        const out = await client.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: batch, Quiet: true } }));
        const failed = (out.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
        if (failed.length > 0) throw new Error(`S3 delete failed for ${failed.length} keys: ${failed[0]?.Code} ${failed[0]?.Message}`);
      }
    },
    async urlFor(key, expiresAt) {
      const command = new GetObjectCommand({ Bucket, Key: checked(key) });
      const at = now();
      if (expiresAt <= at) {
        // SigV4 needs a lifetime of at least 1 s: sign as of 1 s before expiry, already dead.
        return getSignedUrl(signingClient, command, { signingDate: new Date(expiresAt - 1000), expiresIn: 1 });
      }
      const expiresIn = Math.min(MAX_PRESIGN_S, Math.max(1, Math.ceil((expiresAt - at) / 1000)));
      return getSignedUrl(signingClient, command, { signingDate: new Date(at), expiresIn });
    },
  };
}
