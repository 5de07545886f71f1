/**
 * Writes docs/openapi.json from the route modules' descriptions (src/api/openapi-descriptions.ts).
 * `npm run gen:openapi`; with `--check` (in `npm run check`) it only says whether the checked-in
 * file is stale, and exits 1 if so. test/api/openapi.test.ts checks the same.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiDocument } from '../src/api/openapi-descriptions.js';

export const OPENAPI_PATH = join(import.meta.dirname, '..', 'docs', 'openapi.json');

export const renderOpenApi = (): string => `${JSON.stringify(openApiDocument(), null, 2)}\n`;

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  if (process.argv.includes('--check')) {
    if (readFileSync(OPENAPI_PATH, 'utf8') !== renderOpenApi()) {
      console.error(`${OPENAPI_PATH} is stale: run npm run gen:openapi and commit it.`);
      process.exit(1);
    }
    console.log('docs/openapi.json is up to date');
  } else {
    writeFileSync(OPENAPI_PATH, renderOpenApi());
    console.log(`wrote ${OPENAPI_PATH}`);
  }
}
