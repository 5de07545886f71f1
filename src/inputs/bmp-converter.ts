/**
 * BMP → PNG off the main thread. libvips (as shipped with sharp) cannot read BMP, and the
 * decoder in bmp.ts is a JavaScript pixel loop (about 0.5 s for 25 megapixels): run on the
 * event loop it would stall every request. It runs here in one `worker_threads` worker:
 *
 * - one conversion at a time, so the worker's memory peaks at one 25-megapixel raster (100 MB)
 *   however many BMPs arrive; the others wait (their bodies are already inside the body budget);
 * - the worker encodes the PNG itself (sharp works in worker threads), so only the PNG crosses
 *   back: the main isolate never holds the raster;
 * - each conversion has a deadline; a worker that passes it (or dies) is terminated, its job
 *   rejects and the next job starts a fresh worker;
 * - the worker is unref'd and stopped after `idleMs` without work, so it never holds the
 *   process open and gives its memory back.
 *
 * Worker script: `bmp-worker.js` next to this file in `dist/` (`bmp-worker.ts` from sources:
 * module-worker.ts).
 */
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../module-worker.js';
import { BmpError } from './bmp.js';
import type { BmpAnswer, BmpJob } from './bmp-worker.js';

export interface ConvertedBmp {
  readonly width: number;
  readonly height: number;
  readonly png: Buffer;
}

export interface BmpConverter {
  /** The BMP as PNG. Rejects with BmpError for a file the decoder refuses, with Error for a crash or timeout. */
  toPng(bytes: Buffer): Promise<ConvertedBmp>;
}

function startWorker(): Worker {
  return startModuleWorker(import.meta.url, 'bmp-worker');
}

interface Pending {
  readonly job: BmpJob;
  resolve(value: ConvertedBmp): void;
  reject(err: Error): void;
}

export function createBmpConverter(options: { idleMs?: number; timeoutMs?: number } = {}): BmpConverter {
  const idleMs = options.idleMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const queue: Pending[] = [];
  let worker: Worker | undefined;
  let current: Pending | undefined;
  let deadline: NodeJS.Timeout | undefined;
  let idleTimer: NodeJS.Timeout | undefined;
  let nextId = 1;

  function stopWorker(): void {
    const w = worker;
    worker = undefined;
    void w?.terminate();
  }

  function finish(outcome: { value: ConvertedBmp } | { error: Error }): void {
    clearTimeout(deadline);
    const done = current;
    current = undefined;
    if (done) 'value' in outcome ? done.resolve(outcome.value) : done.reject(outcome.error);
    pump();
  }

  function ensureWorker(): Worker {
    if (worker) return worker;
    const w = startWorker();
    w.unref();
    w.on('message', (answer: BmpAnswer) => {
      if (w !== worker || answer.id !== current?.job.id) return;
      finish(
        answer.ok
          ? { value: { width: answer.width, height: answer.height, png: Buffer.from(answer.png) } }
          : { error: answer.badFile ? new BmpError(answer.message) : new Error(answer.message) },
      );
    });
    const crashed = (err: unknown) => {
      if (w !== worker) return;
      worker = undefined;
      finish({ error: err instanceof Error ? err : new Error('the BMP worker stopped') });
    };
    w.on('error', crashed);
    w.on('exit', (code) => crashed(new Error(`the BMP worker exited with code ${code}`)));
    worker = w;
    return w;
  }

  function pump(): void {
    if (current) return;
    const next = queue.shift();
    if (!next) {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(stopWorker, idleMs).unref();
      return;
    }
    clearTimeout(idleTimer);
    current = next;
    deadline = setTimeout(() => {
      stopWorker();
      finish({ error: new Error('BMP conversion timed out') });
    }, timeoutMs).unref();
    ensureWorker().postMessage(next.job, [next.job.bytes]);
  }

  return {
    toPng(bytes) {
      return new Promise<ConvertedBmp>((resolve, reject) => {
        // A private copy to transfer: the caller's Buffer may share a pooled ArrayBuffer.
        const copy = new ArrayBuffer(bytes.length);
        new Uint8Array(copy).set(bytes);
        queue.push({ job: { id: nextId++, bytes: copy }, resolve, reject });
        pump();
      });
    },
  };
}
