/**
 * The models a key may use: `GET /api/v1/models` (DashScope-style envelope, with each model's
 * engine kind for operators) and `GET /v1/models` (OpenAI's shape, for OpenAI clients). Every
 * key may use every configured model today; a per-key filter would go here.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { KeyStore } from '../../auth/key-store.js';
import type { EngineRegistry } from '../../engines/registry.js';
import { ApiError } from '../../errors.js';
import type { ModelListResponse } from '@retouch/sdk/protocol';
import { authenticate } from '../auth.js';
import type { ApiDescription } from '../openapi.js';
import { COMMON_SCHEMAS } from '../schemas.js';

export const modelApiDescription: ApiDescription = {
  tag: { name: 'models', description: 'The models (routes of the routing table) the calling key may use.' },
  schemas: {
    ...COMMON_SCHEMAS,
    ModelList: z.object({
      request_id: z.string(),
      data: z.array(z.object({ id: z.string(), object: z.literal('model'), engine: z.string(), owned_by: z.literal('retouch') })),
    }),
    OpenAiModelList: z.object({
      object: z.literal('list'),
      data: z.array(z.object({ id: z.string(), object: z.literal('model'), created: z.number().int(), owned_by: z.literal('retouch') })),
    }),
  },
  operations: [
    {
      method: 'get',
      path: '/api/v1/models',
      operationId: 'listModels',
      tag: 'models',
      summary: "Models this key may use, with each one's engine",
      responses: { '200': { description: 'The models.', schema: 'ModelList' }, '401': { description: 'No or an invalid API key.', schema: 'ErrorBody' } },
    },
    {
      method: 'get',
      path: '/v1/models',
      operationId: 'listModelsOpenAi',
      tag: 'models',
      summary: "The same list in OpenAI's shape",
      description: 'Errors are OpenAI-shaped: `{"error":{"message","type","param","code"}}`.',
      responses: {
        '200': { description: 'The models.', schema: 'OpenAiModelList' },
        '401': { description: 'No or an invalid API key (OpenAI error shape).', mediaType: 'application/json' },
      },
    },
  ],
};

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
