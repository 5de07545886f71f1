/**
 * The models a key may use: `GET /api/v1/models` (DashScope-style envelope, with each model's
 * engine kind for operators) and `GET /v1/models` (OpenAI's shape, for OpenAI clients). Every
 * key may use every configured model today; a per-key filter would go here.
 */
import type { FastifyInstance } from 'fastify';
import type { KeyStore } from '../../auth/key-store.js';
import type { EngineRegistry } from '../../engines/registry.js';
import { ApiError } from '../../errors.js';
import type { ModelListResponse } from '../../protocol/wire.js';
import { authenticate } from '../auth.js';

export interface ModelRouteDeps {
  readonly keys: KeyStore;
  readonly engines: EngineRegistry;
  /** The `created` timestamp OpenAI clients expect (unix seconds): when this process started. */
  readonly startedAt: number;
}

export function registerModelRoutes(app: FastifyInstance, deps: ModelRouteDeps): void {
  app.get('/api/v1/models', async (request): Promise<ModelListResponse> => {
    await authenticate(request, deps.keys);
    return {
      request_id: request.id,
      data: deps.engines.models().map((m) => ({ id: m.id, object: 'model', engine: m.engine, owned_by: 'retouch' })),
    };
  });

  app.get('/v1/models', async (request, reply) => {
    try {
      await authenticate(request, deps.keys);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      // OpenAI clients read {error:{message,type,param,code}}.
      return reply
        .status(err.status)
        .type('application/json')
        .send({ error: { message: err.message, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
    }
    const created = Math.floor(deps.startedAt / 1000);
    return {
      object: 'list',
      data: deps.engines.models().map((m) => ({ id: m.id, object: 'model', created, owned_by: 'retouch' })),
    };
  });
}
