/**
 * Every route module's OpenAPI description, in document order. A new route module adds its
 * `ApiDescription` here (one line) and runs `npm run gen:openapi`.
 */
import { createRequire } from 'node:module';
import { buildOpenApiDocument, type ApiDescription } from './openapi.js';
import { adminApiDescription } from './routes/admin.js';
import { healthApiDescription } from './routes/health.js';
import { modelApiDescription } from './routes/models.js';
import { openAiImageApiDescription } from './routes/openai-images-description.js';
import { taskApiDescription } from './routes/tasks-description.js';
import { webhookApiDescription } from './routes/webhooks.js';

export const API_DESCRIPTIONS: readonly ApiDescription[] = [
  taskApiDescription,
  openAiImageApiDescription,
  modelApiDescription,
  webhookApiDescription,
  adminApiDescription,
  healthApiDescription,
];

/** src/api and dist/api are both two levels under the package root. */
const packageVersion = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

export function openApiDocument(): Record<string, unknown> {
  return buildOpenApiDocument(API_DESCRIPTIONS, packageVersion);
}
