/**
 * Temporary uploads (protocol.md §6.2):
 * - `GET /api/v1/uploads?action=getPolicy&model=…` (API key) → `{data:{policy, signature,
 *   upload_dir, upload_host, …}, request_id}`;
 * - `POST /api/v1/uploads/oss` (multipart, no API key: the signed policy authorises it) stores
 *   the file under `key` and answers 200.
 * Multipart parsing is registered in this plugin's own scope: the rest of the API keeps its
 * catch-all byte parser.
 */
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { KeyStore } from '../../auth/key-store.js';
import type { EngineRegistry } from '../../engines/registry.js';
import { ApiError, Errors, invalidParameter } from '../../errors.js';
import { tooLarge, type UploadForm, type UploadService } from '../../uploads/upload-service.js';
import { authenticate } from '../auth.js';

export interface UploadRouteDeps {
  readonly keys: KeyStore;
  readonly engines: EngineRegistry;
  readonly uploads: UploadService;
}

const FORM_FIELDS = ['OSSAccessKeyId', 'Signature', 'policy', 'key', 'x-oss-content-type'] as const;

export function registerUploadRoutes(app: FastifyInstance, deps: UploadRouteDeps): void {
  app.get<{ Querystring: Record<string, unknown> }>('/api/v1/uploads', async (request) => {
    const caller = await authenticate(request, deps.keys);
    const { action, model } = request.query;
    if (action !== 'getPolicy') throw invalidParameter('Parameter action must be "getPolicy".');
    if (typeof model !== 'string' || model === '') throw invalidParameter('Required parameter(model) missing or invalid, please check the request parameters.');
    if (!deps.engines.has(model)) throw Errors.modelNotExist();
    return { data: deps.uploads.policyFor(caller.workspaceId, model), request_id: request.id };
  });

  void app.register(async (scope) => {
    await scope.register(multipart, {
      limits: { fileSize: deps.uploads.settings.maxBytes, files: 1, fields: 20, fieldSize: 64 * 1024, parts: 30 },
    });

    scope.post('/api/v1/uploads/oss', async (request, reply) => {
      if (!request.isMultipart()) throw invalidParameter('The upload must be multipart/form-data.');
      const file = await request.file();
      if (!file) throw invalidParameter('Required parameter(file) missing: the form has no file part.');
      const form: Record<string, string> = {};
      for (const name of FORM_FIELDS) {
        const field = file.fields[name];
        const value = Array.isArray(field) ? undefined : field;
        if (value && value.type === 'field' && typeof value.value === 'string') form[name] = value.value;
      }
      // Check the policy before reading the file: a forged or expired form costs no storage.
      deps.uploads.authorize(form as UploadForm);
      let bytes: Buffer;
      try {
        bytes = await file.toBuffer();
      } catch (err) {
        if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge(deps.uploads.settings.maxBytes);
        throw err instanceof ApiError ? err : invalidParameter('The multipart body could not be read.');
      }
      const { key } = await deps.uploads.accept(form as UploadForm, { bytes, mimetype: file.mimetype });
      return reply.status(200).send({ request_id: request.id, key, url: `oss://${key}` });
    });
  });
}
