/** The OpenAPI description of POST /v1/images/edits (routes/openai-images.ts), apart so the document does not import the route. */
import { MAX_IMAGES, MODEL_WAN25_I2I } from '@retouch/sdk/protocol';
import { z } from 'zod';
import type { ApiDescription } from '../openapi.js';

const openAiError = { description: 'An error in OpenAI\'s shape (docs/errors.md, "OpenAI-compatible routes").', schema: 'OpenAiError' };

export const openAiImageApiDescription: ApiDescription = {
  tag: { name: 'openai', description: 'OpenAI-compatible image edits (docs/openai-compatible.md): OpenAI SDKs work unchanged.' },
  schemas: {
    OpenAiImageEditForm: z.object({
      image: z.array(z.file()).min(1).max(MAX_IMAGES).describe('1 to 3 image files (`image` or `image[]`), "image 1" first.'),
      prompt: z.string(),
      model: z.string().optional().describe(`Default ${MODEL_WAN25_I2I}.`),
      n: z.string().optional().describe('1 to 4; default 1.'),
      size: z.string().optional().describe('`auto` or WIDTHxHEIGHT.'),
      response_format: z.enum(['url', 'b64_json']).optional(),
      user: z.string().optional(),
      negative_prompt: z.string().optional(),
      seed: z.string().optional(),
    }),
    OpenAiImageEditResponse: z.object({
      created: z.number().int().describe('Unix seconds.'),
      data: z.array(z.object({ url: z.string().optional(), b64_json: z.string().optional(), revised_prompt: z.string().optional() })),
    }),
    OpenAiError: z.object({
      error: z.object({ message: z.string(), type: z.string(), param: z.string().nullable(), code: z.string().nullable() }),
    }),
  },
  operations: [
    {
      method: 'post',
      path: '/v1/images/edits',
      operationId: 'openAiImageEdit',
      tag: 'openai',
      summary: 'Edit images, answered when the task is done (OpenAI images.edit)',
      description: 'Multipart form; the task runs as any DashScope task does and is visible through GET /api/v1/tasks.',
      body: 'OpenAiImageEditForm',
      bodyMediaType: 'multipart/form-data',
      responses: {
        '200': { description: 'Every image succeeded.', schema: 'OpenAiImageEditResponse' },
        '400': openAiError,
        '401': openAiError,
        '403': openAiError,
        '404': openAiError,
        '409': openAiError,
        '429': openAiError,
        '500': openAiError,
        '502': openAiError,
        '503': openAiError,
        '504': openAiError,
      },
    },
  ],
};
