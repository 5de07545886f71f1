/**
 * TensorFlow.js on the wasm backend (SIMD, single thread in Node), shared by every tfjs model in
 * the worker. `@tensorflow/tfjs-node` is not used (it downloads libtensorflow at install time):
 * the pure-JS @tensorflow/tfjs plus our file:// loader (tf-file-loader.ts) do what we need.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as TfType from '@tensorflow/tfjs';
import { registerFileLoader } from './tf-file-loader.js';

export type Tf = typeof TfType;

const require = createRequire(import.meta.url);
let ready: Promise<Tf> | undefined;

export function wasmDir(): string {
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep;
}

export function getTf(): Promise<Tf> {
  ready ??= (async () => {
    const tf = require('@tensorflow/tfjs') as Tf;
    registerFileLoader(tf);
    const wasm = require('@tensorflow/tfjs-backend-wasm') as { setWasmPaths(prefix: string): void };
    wasm.setWasmPaths(wasmDir());
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs wasm backend failed to initialise');
    await tf.ready();
    return tf;
  })();
  ready.catch(() => {
    ready = undefined;
  });
  return ready;
}
