/**
 * Messages between the main thread (client.ts) and the ML worker (worker.ts).
 * Pixel data travels as Uint8Arrays whose ArrayBuffers are transferred, never copied twice.
 */
import type { Box } from './types.js';

/** One model = one queue: at most one request per key is inside the worker at a time. */
export type ModelKey = 'segment' | 'faces' | 'upscale' | 'text' | 'inpaint' | 'debug';

export interface WireImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 3 | 4;
}

export type MlOp =
  | { op: 'segment'; image: WireImage }
  | { op: 'faces'; image: WireImage }
  | { op: 'upscale'; image: WireImage; factor: 2 | 4 }
  | { op: 'text'; image: WireImage }
  | { op: 'inpaint'; image: WireImage; mask: Uint8Array }
  /**
   * Test hooks: 'crash' ends the worker abruptly; 'sleep' holds it busy for `ms`; 'grow' keeps a
   * wasm memory of `mb` megabytes alive (as a model's heap would).
   */
  | { op: 'crash' }
  | { op: 'sleep'; ms: number }
  | { op: 'grow'; mb: number };

export type MlRequest = MlOp & { id: number };

export type MlResult = { kind: 'mask'; mask: Uint8Array } | { kind: 'boxes'; boxes: Box[] } | { kind: 'image'; image: WireImage } | { kind: 'none' };

/**
 * `footprint`: bytes the worker holds after the request (its JS heap and external memory, which
 * includes the wasm heaps of tfjs and onnxruntime-web: they grow and never shrink). `onnxRuntime`:
 * which ONNX Runtime build the worker's ONNX models run on, once one has loaded (models/ort.ts).
 */
export type MlResponse =
  | { id: number; ok: true; result: MlResult; footprint: number; onnxRuntime?: string }
  | { id: number; ok: false; code: string; message: string; footprint: number };

export function modelKeyOf(op: MlOp['op']): ModelKey {
  switch (op) {
    case 'segment':
    case 'faces':
    case 'upscale':
    case 'text':
    case 'inpaint':
      return op;
    default:
      return 'debug';
  }
}
