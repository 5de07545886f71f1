/**
 * Writes docs/openapi.json from the route modules' descriptions (src/api/openapi-descriptions.ts).
 * `npm run gen:openapi`; test/api/openapi.test.ts fails when the checked-in file is stale.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiDocument } from '../src/api/openapi-descriptions.js';

export const OPENAPI_PATH = join(import.meta.dirname, '..', 'docs', 'openapi.json');

export const renderOpenApi = (): string => `${JSON.stringify(openApiDocument(), null, 2)}\n`;

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  writeFileSync(OPENAPI_PATH, renderOpenApi());
  console.log(`wrote ${OPENAPI_PATH}`);
}
