import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Finds a file shipped in the repository (e.g. vendor/models/...) by walking up from this module,
 * which works from both src/engines/local/ml/models/ (TS) and dist/engines/local/ml/models/ (JS).
 */
export function repoFile(rel: string): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const p = path.join(dir, rel);
    if (fs.existsSync(p)) return p;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find ${rel} above ${path.dirname(fileURLToPath(import.meta.url))}`);
    dir = up;
  }
}
