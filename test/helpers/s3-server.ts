/**
 * An S3-protocol server for tests: s3rver (npm, MIT) on 127.0.0.1, one bucket, its files in a
 * temporary folder.
 *
 * s3rver accepts SigV4 presigned URLs without checking their signature (its source says "V4
 * signature calculation is unimplemented"), and a test that a tampered link is refused would
 * then pass or fail for the wrong reason. So a small verifier runs first, doing what S3 does
 * for query-string SigV4: rebuild the canonical request from what arrived, recompute the
 * signature with the shared secret, refuse (403) on mismatch or expiry.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

/** s3rver's built-in account. */
const ACCESS_KEY = 'S3RVER';
const SECRET = 'S3RVER';

export interface TestS3 {
  readonly endpoint: string;
  readonly bucket: string;
  /** RETOUCH_S3_* settings pointing at this server. */
  readonly env: Record<string, string>;
  close(): Promise<void>;
}

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');

function verifyPresigned(method: string, path: string, rawQuery: string, header: (name: string) => string, now: number) {
  const pairs = rawQuery
    .split('&')
    .filter(Boolean)
    .map((p) => {
      const i = p.indexOf('=');
      return i < 0 ? [p, ''] : [p.slice(0, i), p.slice(i + 1)];
    }) as [string, string][];
  const q = new Map(pairs.map(([k, v]) => [k, decodeURIComponent(v)]));
  const [accessKey, date, region, service] = (q.get('X-Amz-Credential') ?? '').split('/');
  const amzDate = q.get('X-Amz-Date') ?? '';
  const signedHeaders = q.get('X-Amz-SignedHeaders') ?? '';
  const given = q.get('X-Amz-Signature') ?? '';
  if (accessKey !== ACCESS_KEY || !date || !region || !service) return 'bad credential';
  const canonicalQuery = pairs
    .filter(([k]) => k !== 'X-Amz-Signature')
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const headers = signedHeaders
    .split(';')
    .map((h) => `${h}:${header(h).trim()}\n`)
    .join('');
  const canonical = [method, path, canonicalQuery, headers, signedHeaders, 'UNSIGNED-PAYLOAD'].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${SECRET}`, date), region), service), 'aws4_request');
  const expected = Buffer.from(hmac(key, toSign).toString('hex'));
  if (expected.length !== given.length || !timingSafeEqual(expected, Buffer.from(given))) return 'signature mismatch';
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!m) return 'bad date';
  const signedAt = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  if (signedAt + Number(q.get('X-Amz-Expires')) * 1000 < now) return 'expired';
  return undefined;
}

export async function startS3(bucket = 'retouch-test'): Promise<TestS3> {
  const directory = mkdtempSync(join(tmpdir(), 's3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  server.middleware.unshift(async (ctx, next) => {
    if (!/(^|&)X-Amz-Algorithm=/.test(ctx.querystring)) return next();
    const problem = verifyPresigned(ctx.method, ctx.path, ctx.querystring, (h) => ctx.get(h), Date.now());
    if (!problem) return next();
    ctx.status = 403;
    ctx.type = 'application/xml';
    ctx.body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>${problem}</Message></Error>`;
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    env: {
      RETOUCH_S3_BUCKET: bucket,
      RETOUCH_S3_ENDPOINT: endpoint,
      RETOUCH_S3_REGION: 'us-east-1',
      RETOUCH_S3_ACCESS_KEY_ID: ACCESS_KEY,
      RETOUCH_S3_SECRET_ACCESS_KEY: SECRET,
      RETOUCH_S3_FORCE_PATH_STYLE: 'true',
    },
    async close() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
