/**
 * The temporary-upload flow of protocol.md §6.2, server side:
 * - `policyFor(workspace, model)` answers `GET /api/v1/uploads?action=getPolicy` with a policy
 *   whose `upload_host` is retouch itself;
 * - `accept(form, file)` takes the multipart POST: signature, expiry, key prefix, size and
 *   workspace capacity are checked before anything is stored;
 * - `reader` resolves `oss://<key>` inputs for the same workspace (see inputs/resolve-images.ts);
 * - `startSweeper` deletes expired uploads on a timer.
 */
import { randomUUID } from 'node:crypto';
import { UploadErrors } from '../errors.js';
import type { UploadReader } from '../inputs/resolve-images.js';
import type { Clock } from '../tasks/task-service.js';
import type { PolicySigner } from './policy.js';
import { workspaceTag } from '../blobs/keys.js';
import type { UploadStore } from './upload-store.js';

export interface UploadSettings {
  /** Largest file accepted (also `max_file_size_mb` of the policy). */
  readonly maxBytes: number;
  /** Live upload bytes allowed per workspace (`capacity_limit_mb`). */
  readonly capacityBytes: number;
  /** How long an upload is kept (48 h, as DashScope). */
  readonly retentionMs: number;
  /** How long a policy may be used (`expire_in_seconds`). */
  readonly policyTtlMs: number;
}

export interface UploadPolicyData {
  policy: string;
  signature: string;
  upload_dir: string;
  upload_host: string;
  expire_in_seconds: number;
  max_file_size_mb: number;
  capacity_limit_mb: number;
  oss_access_key_id: string;
  x_oss_object_acl: string;
  x_oss_forbid_overwrite: string;
}

/** The text fields of the multipart POST, as OSS names them. */
export interface UploadForm {
  readonly OSSAccessKeyId?: string;
  readonly Signature?: string;
  readonly policy?: string;
  readonly key?: string;
  readonly 'x-oss-content-type'?: string;
}

export interface UploadService {
  policyFor(workspaceId: string, model: string): UploadPolicyData;
  accept(form: UploadForm, file: { bytes: Buffer; mimetype: string }): Promise<{ key: string }>;
  /** Verifies a form before its file is read, so a forged or stale POST costs nothing. */
  authorize(form: UploadForm): { workspaceId: string; model: string; maxBytes: number };
  readonly reader: UploadReader;
  readonly settings: UploadSettings;
  startSweeper(intervalMs: number, log: { error(obj: object, msg: string): void }): { stop(): void };
}

const MB = 1024 * 1024;
const { denied } = UploadErrors;

const dateOf = (epochMs: number) => new Date(epochMs).toISOString().slice(0, 10);

export function createUploadService(deps: {
  store: UploadStore;
  signer: PolicySigner;
  clock: Clock;
  /** Public base of retouch, read per call (known only once the server listens). */
  baseUrl: () => string;
  settings: UploadSettings;
}): UploadService {
  const { store, signer, clock, settings } = deps;

  function authorize(form: UploadForm) {
    for (const name of ['OSSAccessKeyId', 'Signature', 'policy', 'key'] as const) {
      if (typeof form[name] !== 'string' || form[name] === '') {
        throw UploadErrors.missingField(name);
      }
    }
    const verdict = signer.verify({ policy: form.policy!, signature: form.Signature!, keyId: form.OSSAccessKeyId! }, clock.now());
    if (!verdict.ok) {
      throw verdict.reason === 'expired'
        ? denied('Invalid according to Policy: Policy expired.')
        : denied('The request signature we calculated does not match the signature you provided.');
    }
    const { claims } = verdict;
    const key = form.key!;
    const name = key.slice(claims.uploadDir.length + 1);
    if (!key.startsWith(`${claims.uploadDir}/`) || name === '' || key.length > 1024 || /[\u0000-\u001f]/.test(key)) {
      throw denied(`Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "${claims.uploadDir}/"]`);
    }
    return { workspaceId: claims.workspaceId, model: claims.model, maxBytes: claims.maxBytes };
  }

  return {
    settings,
    policyFor(workspaceId, model) {
      const now = clock.now();
      const uploadDir = `dashscope-instant/${workspaceTag(workspaceId)}/${dateOf(now)}/${randomUUID()}`;
      const signed = signer.sign({ workspaceId, model, uploadDir, expiresAt: now + settings.policyTtlMs, maxBytes: settings.maxBytes });
      return {
        policy: signed.policy,
        signature: signed.signature,
        upload_dir: uploadDir,
        upload_host: `${deps.baseUrl()}/api/v1/uploads/oss`,
        expire_in_seconds: Math.round(settings.policyTtlMs / 1000),
        max_file_size_mb: Math.round((settings.maxBytes / MB) * 100) / 100,
        capacity_limit_mb: Math.round(settings.capacityBytes / MB),
        oss_access_key_id: signed.keyId,
        x_oss_object_acl: 'private',
        x_oss_forbid_overwrite: 'true',
      };
    },
    authorize,
    async accept(form, file) {
      const { workspaceId, model, maxBytes } = authorize(form);
      if (file.bytes.length > maxBytes) throw UploadErrors.tooLarge(maxBytes);
      const now = clock.now();
      if ((await store.usage(workspaceId, now)) + file.bytes.length > settings.capacityBytes) {
        throw denied(`The workspace's temporary storage is full (${Math.round(settings.capacityBytes / MB)} MB); uploads expire after 48 hours.`);
      }
      const contentType = form['x-oss-content-type'] || file.mimetype || 'application/octet-stream';
      const outcome = await store.put({
        key: form.key!,
        workspaceId,
        model,
        bytes: file.bytes,
        contentType,
        createdAt: now,
        expiresAt: now + settings.retentionMs,
      });
      if (outcome === 'exists') throw UploadErrors.exists();
      return { key: form.key! };
    },
    reader: (key, workspaceId, model) => store.read(key, workspaceId, model, clock.now()),
    startSweeper(intervalMs, log) {
      const timer = setInterval(() => {
        store.sweep(clock.now()).catch((err) => log.error({ err }, 'upload sweep failed'));
      }, intervalMs);
      timer.unref();
      return { stop: () => clearInterval(timer) };
    },
  };
}
