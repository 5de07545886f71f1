/**
 * Worker-thread side of bmp-converter.ts: decodes one BMP at a time (the pixel loop of bmp.ts)
 * and encodes it as PNG here, so that neither the loop nor the 100 MB raster of a 25-megapixel
 * image ever reaches the main thread (a raster that size in the main isolate also costs it
 * garbage-collection pauses). The input arrives and the PNG leaves as transferred ArrayBuffers.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import sharp from 'sharp';
import { decodeBmp } from './bmp.js';

export interface BmpJob {
  readonly id: number;
  readonly bytes: ArrayBuffer;
}

export type BmpAnswer =
  | { readonly id: number; readonly ok: true; readonly width: number; readonly height: number; readonly png: ArrayBuffer }
  | { readonly id: number; readonly ok: false; readonly message: string; readonly badFile: boolean };

/** Seconds of libvips work for one PNG encode (25 megapixels take well under one). */
const ENCODE_TIMEOUT_S = 10;

async function convert(job: BmpJob): Promise<BmpAnswer> {
  let decoded: ReturnType<typeof decodeBmp>;
  try {
    decoded = decodeBmp(Buffer.from(job.bytes));
  } catch (err) {
    return { id: job.id, ok: false, message: (err as Error).message, badFile: true };
  }
  const { width, height, data } = decoded;
  try {
    const png = await sharp(data, { raw: { width, height, channels: 4 } })
      .png({ compressionLevel: 1 })
      .timeout({ seconds: ENCODE_TIMEOUT_S })
      .toBuffer();
    const own = png.buffer.slice(png.byteOffset, png.byteOffset + png.byteLength) as ArrayBuffer;
    return { id: job.id, ok: true, width, height, png: own };
  } catch (err) {
    return { id: job.id, ok: false, message: (err as Error).message, badFile: false };
  }
}

/**
 * Lower this thread's CPU priority (Linux: a thread id names one thread for setpriority), so
 * that on a busy machine a conversion yields to the event loop's thread rather than competing
 * with it as an equal. Elsewhere, or without /proc, the priority stays as it is.
 */
function yieldToMainThread(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, 15);
  } catch {
    // not Linux, or not allowed: harmless
  }
}

yieldToMainThread();

parentPort?.on('message', (job: BmpJob) => {
  void convert(job).then((answer) => parentPort!.postMessage(answer, answer.ok ? [answer.png] : []));
});
