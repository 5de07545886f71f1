/**
 * Starts a worker thread from a module next to the caller: `<name>.js` in `dist/`, or, when the
 * caller runs from TypeScript source (vitest, tsx: its `import.meta.url` ends in `.ts`),
 * `<name>.ts` with tsx's ESM hooks registered inside the worker first (`--import tsx` only
 * registers them on the main thread). tsx is a devDependency, so the second case only happens
 * in development. Used by the ML models' worker, the BMP converter and SQLite's checkpointer.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** `callerUrl` is the caller's `import.meta.url`; `name` the worker module's file name without extension. */
export function startModuleWorker(callerUrl: string, name: string, workerData?: unknown): Worker {
  if (callerUrl.endsWith('.ts')) {
    const require = createRequire(callerUrl);
    const tsx = pathToFileURL(path.join(path.dirname(require.resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
    const entry = new URL(`./${name}.ts`, callerUrl).href;
    const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
    return new Worker(boot, { eval: true, stdout: false, stderr: false, workerData });
  }
  return new Worker(new URL(`./${name}.js`, callerUrl), { stdout: false, stderr: false, workerData });
}
