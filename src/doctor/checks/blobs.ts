import type { S3Config } from '../../config.js';
import { fail, ok, type Check } from '../check.js';

/**
 * HEAD on the bucket with the configured credentials; resolves with the server's clock (its Date
 * header) against ours at the midpoint of the request, which the clock check uses.
 */
export async function headBucket(s3: S3Config, now: () => number): Promise<{ serverMs: number | undefined; localMs: number }> {
  const { S3Client, HeadBucketCommand } = await import('@aws-sdk/client-s3');
  const client = new S3Client({
    region: s3.region,
    forcePathStyle: s3.forcePathStyle,
    maxAttempts: 1,
    ...(s3.endpoint ? { endpoint: s3.endpoint } : {}),
    ...(s3.accessKeyId && s3.secretAccessKey ? { credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } } : {}),
  });
  let date: string | undefined;
  // The raw response's Date header, which the command's output does not carry.
  client.middlewareStack.add(
    (next) => async (args) => {
      const out = await next(args);
      date = (out.response as { headers?: Record<string, string> }).headers?.date;
      return out;
    },
    { step: 'deserialize', name: 'retouchDoctorDate' },
  );
  try {
    const sent = now();
    await client.send(new HeadBucketCommand({ Bucket: s3.bucket }), { abortSignal: AbortSignal.timeout(5000) });
    return { serverMs: date ? Date.parse(date) : undefined, localMs: (sent + now()) / 2 };
  } finally {
    client.destroy();
  }
}

/** The blob store: on local disk the data-dir check covers it; on S3 the bucket must answer to these credentials. */
export const blobsCheck: Check = {
  id: 'blobs',
  needsConfig: true,
  async run({ config, now }) {
    const s3 = config!.s3;
    if (!s3) return [ok('blobs', `local disk: ${config!.dataDir}/blobs (see data-dir)`)];
    const where = `bucket "${s3.bucket}" at ${s3.endpoint ?? `AWS ${s3.region}`}`;
    try {
      await headBucket(s3, now);
      return [ok('blobs', `${where} answers`)];
    } catch (err) {
      const e = err as Error & { $metadata?: { httpStatusCode?: number } };
      const status = e.$metadata?.httpStatusCode;
      const fix = /Credentials/.test(e.name)
        ? 'set RETOUCH_S3_ACCESS_KEY_ID and RETOUCH_S3_SECRET_ACCESS_KEY (or give this host an AWS profile or instance role)'
        : status === 403
          ? 'check RETOUCH_S3_ACCESS_KEY_ID / RETOUCH_S3_SECRET_ACCESS_KEY and the bucket policy (retouch needs s3:GetObject, s3:PutObject, s3:DeleteObject, s3:ListBucket)'
          : status === 404
            ? `create the bucket "${s3.bucket}" (e.g. \`mc mb local/${s3.bucket}\` on MinIO) or fix RETOUCH_S3_BUCKET`
            : 'check RETOUCH_S3_ENDPOINT (scheme, host, port) and that the store is reachable from this host';
      return [fail('blobs', `${where}: ${status ? `HTTP ${status} ` : ''}${e.name}: ${e.message || 'no answer'}`, fix)];
    }
  },
};
