import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

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

/** A package's folder, found from its entry point (several hide package.json behind "exports"). */
export function packageDir(name: string, entry = name): string {
  let dir = path.dirname(require.resolve(entry));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === name) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json for ${name}`);
    dir = path.dirname(dir);
  }
}

/** The ESRGAN-slim tfjs layers model for a 2× or 4× upscale (@upscalerjs/esrgan-slim). */
export function esrganSlimModel(factor: 2 | 4): string {
  return path.join(packageDir('@upscalerjs/esrgan-slim'), 'models', `x${factor}`, 'model.json');
}
