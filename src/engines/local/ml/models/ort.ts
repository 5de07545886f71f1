/**
 * ONNX Runtime for the ONNX models (text detection, opt-in ISNet): onnxruntime-web's WebAssembly
 * build, which Node runs as it is. onnxruntime-node was used before; its post-install script
 * downloads a CUDA add-on from outside the npm registry, so `npm i retouch` failed wherever only
 * the registry is reachable. The price, measured in docs/benchmarks.md: a slower first session
 * (the wasm module is compiled once per ML worker) and somewhat slower runs.
 *
 * Loaded lazily (first use in the ML worker), so nothing else pays for it.
 */
import { availableParallelism } from 'node:os';
import type * as OrtType from 'onnxruntime-web';

export type Ort = typeof OrtType;
export type InferenceSession = OrtType.InferenceSession;

let ort: Promise<Ort> | undefined;

export function getOrt(): Promise<Ort> {
  ort ??= (async () => {
    const mod = (await import('onnxruntime-web')) as Ort & { default?: Ort };
    const o = mod.default ?? mod;
    // As with onnxruntime-node's intraOpNumThreads before: two threads at most per session (wasm
    // threads are worker_threads; the ML worker itself already runs off the event loop).
    o.env.wasm.numThreads = Math.min(2, availableParallelism());
    return o;
  })();
  ort.catch(() => {
    ort = undefined;
  });
  return ort;
}

/** A CPU session from an .onnx file's bytes (the web build does not read paths itself). */
export async function createSession(model: Uint8Array): Promise<InferenceSession> {
  const o = await getOrt();
  return o.InferenceSession.create(model, { executionProviders: ['wasm'], executionMode: 'sequential', graphOptimizationLevel: 'all' });
}
