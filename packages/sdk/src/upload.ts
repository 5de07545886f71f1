/**
 * The temporary-upload flow of DashScope (protocol.md §6.2), as the official Python SDK does it:
 * 1. `GET {base}/uploads?action=getPolicy&model=<model>` → a signed policy and an `upload_host`;
 * 2. multipart `POST <upload_host>` with the policy fields and the file under
 *    `key = upload_dir + "/" + filename` (no Authorization: the policy authorises it);
 * 3. the image is then referenced as `oss://<key>` with `X-DashScope-OssResourceResolve: enable`.
 * Works against DashScope (the host is Alibaba OSS) and against retouch (the host is retouch).
 */
import { DashScopeError, SdkErrorCodes } from './errors.js';
import { send, type FetchLike, type RetryPolicy } from './http.js';
import { imageMimeType } from './inputs.js';

/** The `data` of a getPolicy answer. */
export interface UploadPolicy {
  readonly policy: string;
  readonly signature: string;
  readonly upload_dir: string;
  readonly upload_host: string;
  readonly expire_in_seconds: number;
  readonly max_file_size_mb: number;
  readonly capacity_limit_mb: number;
  readonly oss_access_key_id: string;
  readonly x_oss_object_acl: string;
  readonly x_oss_forbid_overwrite: string;
}

const REQUIRED = ['oss_access_key_id', 'signature', 'policy', 'upload_dir', 'x_oss_object_acl', 'x_oss_forbid_overwrite', 'upload_host'] as const;

export function parsePolicy(body: unknown): UploadPolicy {
  const data = (body as { data?: Record<string, unknown> } | null)?.data;
  const missing = REQUIRED.filter((k) => typeof data?.[k] !== 'string' && typeof data?.[k] !== 'boolean');
  if (!data || missing.length > 0) {
    throw new DashScopeError({ code: SdkErrorCodes.badResponse, message: `The upload policy lacks ${missing.join(', ')}.`, status: 200 });
  }
  return data as unknown as UploadPolicy;
}

/** File names go into the object key: keep them to safe characters, as OSS keys and URLs prefer. */
export function safeFilename(name: string): string {
  const cleaned = name
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^\.+/, '')
    .slice(0, 120);
  return cleaned === '' ? 'image' : cleaned;
}

export async function postUpload(
  policy: UploadPolicy,
  file: { bytes: Uint8Array; filename: string },
  deps: { fetch: FetchLike; retry: RetryPolicy; userAgent: string; signal?: AbortSignal },
): Promise<string> {
  const key = `${policy.upload_dir}/${safeFilename(file.filename)}`;
  const contentType = imageMimeType(file.bytes, file.filename) ?? 'application/octet-stream';
  const form = () => {
    // Same fields, in the same order, as dashscope/utils/oss_utils.py.
    const f = new FormData();
    f.append('OSSAccessKeyId', policy.oss_access_key_id);
    f.append('Signature', policy.signature);
    f.append('policy', policy.policy);
    f.append('key', key);
    f.append('x-oss-object-acl', String(policy.x_oss_object_acl));
    f.append('x-oss-forbid-overwrite', String(policy.x_oss_forbid_overwrite));
    f.append('success_action_status', '200');
    f.append('x-oss-content-type', contentType);
    f.append('file', new Blob([new Uint8Array(file.bytes)], { type: contentType }), safeFilename(file.filename));
    return f;
  };
  try {
    await send(
      policy.upload_host,
      () => ({
        method: 'POST',
        headers: { 'user-agent': deps.userAgent, Accept: 'application/json', Date: new Date().toUTCString() },
        body: form(),
      }),
      { fetch: deps.fetch, retry: deps.retry, signal: deps.signal },
    );
  } catch (err) {
    if (err instanceof DashScopeError) {
      throw new DashScopeError({
        code: err.code,
        message: `Upload of ${file.filename} failed: ${err.message}`,
        status: err.status,
        requestId: err.requestId,
        cause: err,
      });
    }
    throw err;
  }
  return `oss://${key}`;
}
