/**
 * ONNX Runtime for the ONNX models (2x/4x upscaling, text detection, opt-in ISNet), one API for
 * both builds:
 *
 * - onnxruntime-node (native CPU, an optionalDependency), used when it loads: about 2.7x the
 *   convolution throughput of the WebAssembly build on the same two threads (docs/benchmarks.md).
 *   Its post-install would fetch a CUDA add-on from outside the npm registry; package.json's
 *   `allowScripts` denies it (npm 11 then skips it), and `ONNXRUNTIME_NODE_INSTALL=skip` turns it
 *   off elsewhere (the CPU library is in the npm tarball itself).
 * - onnxruntime-web (WebAssembly, a dependency, always there), the fallback when the native
 *   package is missing (npm drops an optional dependency that fails to install) or cannot load
 *   on this platform, and what RETOUCH_ONNX_RUNTIME=web asks for.
 *
 * The choice comes from workerData.onnxRuntime (config.ts's onnxRuntime, handed to the ML worker)
 * and is made once per thread, lazily on first use, so nothing else pays for it.
 */
import { availableParallelism } from 'node:os';
import { workerData } from 'node:worker_threads';
import type * as OrtType from 'onnxruntime-web';

/** Both builds export onnxruntime-common's API; the web build's types stand for it. */
export type Ort = typeof OrtType;
export type InferenceSession = OrtType.InferenceSession;
/** RETOUCH_ONNX_RUNTIME: `auto` = native when it loads, else WebAssembly; `web` = WebAssembly only. */
export type OrtChoice = 'auto' | 'web';

export interface LoadedOrt {
  ort: Ort;
  runtime: 'native' | 'web';
  /** The package and version, and for the fallback why the native build is not used. */
  detail: string;
}

/** Two threads at most per session, as many as there are cores (the ML worker is already off the event loop). */
export const THREADS = Math.min(2, availableParallelism());

/** Loads the runtime `choice` asks for (no caching: getOrt caches per thread; `retouch doctor` calls this). */
export async function loadOrt(choice: OrtChoice): Promise<LoadedOrt> {
  let why = 'RETOUCH_ONNX_RUNTIME=web';
  if (choice !== 'web') {
    try {
      const mod = (await import('onnxruntime-node')) as unknown as Ort & { default?: Ort };
      const o = mod.default ?? mod;
      return { ort: o, runtime: 'native', detail: `onnxruntime-node ${o.env.versions.node ?? o.env.versions.common ?? ''}`.trim() };
    } catch (err) {
      why = `onnxruntime-node did not load: ${(err as Error).message.split('\n')[0]}`;
    }
  }
  const mod = (await import('onnxruntime-web')) as Ort & { default?: Ort };
  const o = mod.default ?? mod;
  o.env.wasm.numThreads = THREADS; // wasm threads are worker_threads of their own
  return { ort: o, runtime: 'web', detail: `onnxruntime-web ${o.env.versions.web ?? o.env.versions.common ?? ''} (WebAssembly; ${why})` };
}

let loaded: Promise<LoadedOrt> | undefined;
let detail: string | undefined;

/** This thread's runtime, chosen by workerData.onnxRuntime (auto when unset). */
export function getLoadedOrt(): Promise<LoadedOrt> {
  if (!loaded) {
    const attempt = loadOrt((workerData as { onnxRuntime?: OrtChoice } | null)?.onnxRuntime ?? 'auto');
    // Watched once, when the load starts: its detail for the answers, or a retry on the next call.
    attempt.then(
      (l) => (detail = l.detail),
      () => (loaded = undefined),
    );
    loaded = attempt;
  }
  return loaded;
}

/** LoadedOrt.detail of this thread's runtime once it has loaded (the ML worker reports it in its answers). */
export function ortDetail(): string | undefined {
  return detail;
}

export async function getOrt(): Promise<Ort> {
  return (await getLoadedOrt()).ort;
}

/**
 * A CPU session from an .onnx model's bytes. Native sessions keep ORT's CPU memory arena (its
 * default): it holds on to the largest run's memory until the session is released (upscale.ts
 * releases its session a second after the last upscale). Without it a tiled 512² upscale took
 * 1.3-1.9x as long on this machine, for a peak RSS lower at 512² but higher at 1024²
 * (docs/benchmarks.md).
 */
export async function createSession(model: Uint8Array): Promise<InferenceSession> {
  const { ort, runtime } = await getLoadedOrt();
  const common = { executionMode: 'sequential', graphOptimizationLevel: 'all' } as const;
  return runtime === 'native'
    ? ort.InferenceSession.create(model, { ...common, executionProviders: ['cpu'], intraOpNumThreads: THREADS, interOpNumThreads: 1 })
    : ort.InferenceSession.create(model, { ...common, executionProviders: ['wasm'] });
}
