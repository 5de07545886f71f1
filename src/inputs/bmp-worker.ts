/**
 * Worker-thread side of bmp-converter.ts: decodes one BMP at a time to RGBA. Runs the pixel
 * loop of bmp.ts here, never on the main thread. The input arrives and the pixels leave as
 * transferred ArrayBuffers (no copy across threads).
 */
import { parentPort } from 'node:worker_threads';
import { decodeBmp } from './bmp.js';

export interface BmpJob {
  readonly id: number;
  readonly bytes: ArrayBuffer;
}

export type BmpAnswer =
  | { readonly id: number; readonly ok: true; readonly width: number; readonly height: number; readonly data: ArrayBuffer }
  | { readonly id: number; readonly ok: false; readonly message: string };

parentPort?.on('message', (job: BmpJob) => {
  try {
    const { width, height, data } = decodeBmp(Buffer.from(job.bytes));
    // decodeBmp allocates with Buffer.alloc: its own ArrayBuffer, safe to transfer whole.
    const pixels = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data.buffer : data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
    const answer: BmpAnswer = { id: job.id, ok: true, width, height, data: pixels as ArrayBuffer };
    parentPort!.postMessage(answer, [answer.data]);
  } catch (err) {
    const answer: BmpAnswer = { id: job.id, ok: false, message: (err as Error).message };
    parentPort!.postMessage(answer);
  }
});
