/**
 * Starts a worker thread from a module next to this file: `<name>.js` in `dist/`, or, when this
 * module runs from TypeScript source (vitest, tsx: `import.meta.url` ends in `.ts`), `<name>.ts`
 * with tsx's ESM hooks registered inside the worker first (`--import tsx` only registers them on
 * the main thread). tsx is a devDependency, so the second case only happens in development.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

export function startModuleWorker(name: string, workerData: unknown): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const require = createRequire(here);
    const tsx = pathToFileURL(path.join(path.dirname(require.resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
    const entry = new URL(`./${name}.ts`, here).href;
    const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
    return new Worker(boot, { eval: true, stdout: false, stderr: false, workerData });
  }
  return new Worker(new URL(`./${name}.js`, here), { stdout: false, stderr: false, workerData });
}
