/**
 * Temporary uploads (protocol.md §6.2):
 * - `GET /api/v1/uploads?action=getPolicy&model=…` (API key) → `{data:{policy, signature,
 *   upload_dir, upload_host, …}, request_id}`;
 * - `POST /api/v1/uploads/oss` (multipart, no API key: the signed policy authorises it) stores
 *   the file under `key` and answers 200.
 *
 * Hardening (docs/security.md, "Uploads"): every failure is a DashScope JSON 4xx, never a 5xx
 * with a logged stack, whatever the multipart body; getPolicy is rate-limited per workspace and
 * the POST per client address (it has no key), before any body byte is read; the file is read
 * chunk by chunk under the body budget of the policy's workspace and the receive deadline
 * (limits/body-gate.ts). Multipart parsing is registered in this plugin's own scope: the rest
 * of the API keeps its catch-all byte parser.
 */
import type { Readable } from 'node:stream';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { KeyStore } from '../../auth/key-store.js';
import type { EngineRegistry } from '../../engines/registry.js';
import { ApiError, Errors, invalidParameter, UploadErrors } from '../../errors.js';
import type { BodyGate } from '../../limits/body-gate.js';
import type { ReceiveGuard } from '../../limits/body-meter.js';
import type { RateLimiter } from '../../limits/rate-limiter.js';
import type { Clock } from '../../tasks/task-service.js';
import type { UploadForm, UploadService } from '../../uploads/upload-service.js';
import { authenticate } from '../auth.js';

export interface UploadRouteDeps {
  readonly keys: KeyStore;
  readonly engines: EngineRegistry;
  readonly uploads: UploadService;
  readonly bodyGate?: BodyGate;
  readonly limiter?: RateLimiter;
  /** getPolicy per workspace and POSTs per client address, per second; 0 = unlimited. */
  readonly perSecond: number;
  readonly clock: Clock;
}

const FORM_FIELDS = ['OSSAccessKeyId', 'Signature', 'policy', 'key', 'x-oss-content-type'] as const;

/** What @fastify/multipart and busboy throw, in DashScope terms; anything unknown is a malformed body. */
function multipartError(err: unknown, maxBytes: number): ApiError {
  if (err instanceof ApiError) return err;
  switch ((err as { code?: string }).code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return UploadErrors.tooLarge(maxBytes);
    case 'FST_PARTS_LIMIT':
    case 'FST_FILES_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return invalidParameter('The upload form has too many parts: the policy fields and one file are expected.');
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return invalidParameter('The upload must be multipart/form-data.');
    default:
      return invalidParameter('The multipart body is malformed, please check the request body format.');
  }
}

async function readFile(stream: Readable, guard: ReceiveGuard | undefined): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    // A refused chunk has already failed the request (the guard's `fail`): stop reading.
    if (guard && !guard.chunk(chunk.length)) return new Promise<never>(() => undefined);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function registerUploadRoutes(app: FastifyInstance, deps: UploadRouteDeps): void {
  const throttle = async (key: string) => {
    if (!deps.limiter || !(deps.perSecond > 0)) return;
    const decision = await deps.limiter.take(key, deps.perSecond, 1000, deps.clock.now());
    if (!decision.allowed) throw Errors.rateLimited(decision.retryAfterMs);
  };

  app.get<{ Querystring: Record<string, unknown> }>('/api/v1/uploads', async (request) => {
    const caller = await authenticate(request, deps.keys);
    await throttle(`policy:${caller.workspaceId}`);
    const { action, model } = request.query;
    if (action !== 'getPolicy') throw invalidParameter('Parameter action must be "getPolicy".');
    if (typeof model !== 'string' || model === '') throw invalidParameter('Required parameter(model) missing or invalid, please check the request parameters.');
    if (!deps.engines.has(model)) throw Errors.modelNotExist();
    return { data: deps.uploads.policyFor(caller.workspaceId, model), request_id: request.id };
  });

  void app.register(async (scope) => {
    const maxBytes = deps.uploads.settings.maxBytes;
    await scope.register(multipart, {
      limits: { fileSize: maxBytes, files: 1, fields: 20, fieldSize: 16 * 1024, parts: 30, headerPairs: 100 },
    });
    // Unauthenticated: the client's address is the only identity before the body.
    scope.addHook('onRequest', async (request: FastifyRequest) => throttle(`upload-address:${request.ip}`));

    // bodyLimit: what a non-multipart body may be before the 400 (multipart is streamed below).
    scope.post('/api/v1/uploads/oss', { bodyLimit: 64 * 1024 }, async (request, reply) => {
      if (!request.isMultipart()) throw invalidParameter('The upload must be multipart/form-data.');
      const startedAt = Date.now();
      let fail!: (err: ApiError) => void;
      const failed = new Promise<never>((_, reject) => (fail = reject));
      failed.catch(() => undefined);
      const limits = deps.bodyGate?.limits;
      // The fields come first; they are small (limits above), but must arrive in time too.
      const fieldsDeadline = limits ? setTimeout(() => fail(Errors.bodyTooSlow(limits)), limits.deadlineMs) : undefined;
      let guard: ReceiveGuard | undefined;
      let received: { form: UploadForm; bytes: Buffer; mimetype: string };
      try {
        const file = await Promise.race([request.file(), failed]);
        if (!file) throw invalidParameter('Required parameter(file) missing: the form has no file part.');
        const form: Record<string, string> = {};
        for (const name of FORM_FIELDS) {
          const field = file.fields[name];
          const value = Array.isArray(field) ? undefined : field;
          if (value && value.type === 'field' && typeof value.value === 'string') form[name] = value.value;
        }
        // Check the policy before reading the file: a forged or expired form costs no storage.
        const { workspaceId } = deps.uploads.authorize(form as UploadForm);
        await throttle(`upload:${workspaceId}`);
        clearTimeout(fieldsDeadline);
        guard = deps.bodyGate?.guard(workspaceId, reply.raw, fail, startedAt);
        const bytes = await Promise.race([readFile(file.file, guard), failed]);
        // busboy ends a file at the size limit and marks it truncated (toBuffer() would throw).
        if ((file.file as Readable & { truncated?: boolean }).truncated) throw UploadErrors.tooLarge(maxBytes);
        received = { form: form as UploadForm, bytes, mimetype: file.mimetype };
      } catch (err) {
        throw multipartError(err, maxBytes);
      } finally {
        clearTimeout(fieldsDeadline);
        guard?.stop();
      }
      // Storing is not parsing: a failing blob store is a genuine 5xx.
      const { key } = await deps.uploads.accept(received.form, { bytes: received.bytes, mimetype: received.mimetype });
      return reply.status(200).send({ request_id: request.id, key, url: `oss://${key}` });
    });
  });
}
