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
  /** Test hooks: 'crash' ends the worker abruptly; 'sleep' holds it busy for `ms`. */
  | { op: 'crash' }
  | { op: 'sleep'; ms: number };

export type MlRequest = MlOp & { id: number };

export type MlResult = { kind: 'mask'; mask: Uint8Array } | { kind: 'boxes'; boxes: Box[] } | { kind: 'image'; image: WireImage } | { kind: 'none' };

export type MlResponse = { id: number; ok: true; result: MlResult } | { id: number; ok: false; code: string; message: string };

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
