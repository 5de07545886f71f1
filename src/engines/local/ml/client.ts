/**
 * Main-thread side of the ML models: one `worker_threads` worker hosts every model (loaded lazily,
 * once, inside the worker) so inference never blocks the event loop.
 *
 * - Requests are queued per model; at most one request per model is inside the worker at a time,
 *   which bounds memory (a 4x upscale and a face detection may overlap, two upscales may not).
 * - Pixel data is copied once into a fresh ArrayBuffer that is *transferred* to the worker (the
 *   caller keeps its own Buffer intact); results come back as transferred buffers.
 * - Abort: a queued request is dropped and rejects at once with `signal.reason`; a running one
 *   rejects at once too, its model slot stays busy until the worker finishes, and the result is
 *   discarded.
 * - If the worker dies (e.g. out of memory) every request inside it rejects with an EditError
 *   ('InternalError.Algo'); the next request starts a fresh worker.
 * - Recycling: the wasm and ONNX heaps never shrink (a 4x upscale leaves ~1.7 GB behind). A worker
 *   that holds more than `recycleAboveBytes` after a request, with no other request inside it, is
 *   terminated at once, so the memory of a heavy edit comes back while edits keep arriving; a
 *   worker with nothing to do for `idleTimeoutMs` is terminated too. The next request starts a
 *   fresh one and pays the model loading again (0.5-12 s, see docs/benchmarks.md).
 *
 * Worker script location: see spawn.ts.
 */
import type { Worker } from 'node:worker_threads';
import { EditError } from '../../engine.js';
import type { TaskErrorCode } from '@retouch/sdk/protocol';
import { type MlOp, type MlRequest, type MlResponse, type MlResult, type ModelKey, type WireImage, modelKeyOf } from './protocol.js';
import { startModuleWorker } from '../../../module-worker.js';
import type { Box, MlModels, RawImage } from './types.js';

interface Job {
  op: MlOp;
  transfer: ArrayBuffer[];
  signal: AbortSignal | undefined;
  resolve: (r: MlResult) => void;
  reject: (e: unknown) => void;
  settled: boolean;
  onAbort?: () => void;
}

interface Running {
  job: Job;
  key: ModelKey;
}

/** What the worker needs to know from the configuration (it cannot read config.ts's result). */
export interface MlWorkerData {
  /** RETOUCH_ISNET: the opt-in AGPL background-removal model (see models/isnet.ts). */
  readonly isnet?: string;
  /** RETOUCH_ONNX_RUNTIME: which ONNX Runtime build the ONNX models run on (see models/ort.ts). */
  readonly onnxRuntime?: 'auto' | 'web';
}

function startWorker(workerData: MlWorkerData): Worker {
  return startModuleWorker(import.meta.url, 'worker', workerData);
}

/** Copies pixels into an exactly-sized ArrayBuffer that can be transferred. */
function toWire(image: RawImage): { wire: WireImage; transfer: ArrayBuffer } {
  const { width, height, channels } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new EditError('InvalidParameter', `invalid image size ${width}x${height}`);
  }
  if (channels !== 3 && channels !== 4) throw new EditError('InvalidParameter', `unsupported channel count ${String(channels)}`);
  const need = width * height * channels;
  if (image.data.length < need) {
    throw new EditError('InvalidParameter', `image buffer too small: ${image.data.length} < ${need}`);
  }
  const data = new Uint8Array(need);
  data.set(image.data.subarray(0, need));
  return { wire: { data, width, height, channels }, transfer: data.buffer };
}

function fromWire(w: WireImage): RawImage {
  return { data: Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength), width: w.width, height: w.height, channels: w.channels };
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

export interface MlWorkerOptions {
  /** Terminate the worker after this long without requests; 0 keeps it for good. Default 10 min. */
  readonly idleTimeoutMs?: number;
  /** Terminate it after a request that leaves it holding more than this (0 = never). Default 768 MiB. */
  readonly recycleAboveBytes?: number;
  readonly workerData?: MlWorkerData;
  /** Told which ONNX Runtime build the worker's ONNX models run on when the first one loads (for the log). */
  readonly onOnnxRuntime?: (detail: string) => void;
}

export const DEFAULT_ML_IDLE_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_ML_RECYCLE_ABOVE_BYTES = 768 * 1024 * 1024;

export class MlWorkerClient implements MlModels {
  private worker: Worker | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly idleTimeoutMs: number;
  private readonly recycleAboveBytes: number;
  private readonly workerData: MlWorkerData;
  private readonly onOnnxRuntime: ((detail: string) => void) | undefined;
  private nextId = 1;
  private readonly running = new Map<number, Running>();
  private readonly busy = new Set<ModelKey>();
  private readonly queues = new Map<ModelKey, Job[]>();
  /** Worker (re)starts so far; exposed for tests and diagnostics. */
  starts = 0;
  /** Workers terminated for holding more than `recycleAboveBytes`. */
  recycles = 0;
  /** The ONNX Runtime build (and version) the worker's ONNX models run on, once one has loaded (models/ort.ts). */
  onnxRuntime: string | undefined;

  constructor(options: MlWorkerOptions = {}) {
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_ML_IDLE_TIMEOUT_MS;
    this.recycleAboveBytes = options.recycleAboveBytes ?? DEFAULT_ML_RECYCLE_ABOVE_BYTES;
    this.workerData = options.workerData ?? {};
    this.onOnnxRuntime = options.onOnnxRuntime;
  }

  /** Whether a worker thread (and the models it loaded) is alive. */
  get hasWorker(): boolean {
    return this.worker !== undefined;
  }

  async segmentForeground(image: RawImage, signal: AbortSignal): Promise<Buffer> {
    const { wire, transfer } = toWire(image);
    const r = await this.request({ op: 'segment', image: wire }, [transfer], signal);
    if (r.kind !== 'mask') throw new EditError('InternalError.Algo', 'segmentation returned no mask');
    return Buffer.from(r.mask.buffer, r.mask.byteOffset, r.mask.byteLength);
  }

  async detectFaces(image: RawImage, signal: AbortSignal): Promise<Box[]> {
    const { wire, transfer } = toWire(image);
    const r = await this.request({ op: 'faces', image: wire }, [transfer], signal);
    if (r.kind !== 'boxes') throw new EditError('InternalError.Algo', 'face detection returned no boxes');
    return r.boxes;
  }

  async upscale(image: RawImage, factor: 2 | 4, signal: AbortSignal): Promise<RawImage> {
    if (factor !== 2 && factor !== 4) throw new EditError('InvalidParameter', `unsupported upscale factor ${String(factor)} (2 or 4)`);
    const { wire, transfer } = toWire(image);
    const r = await this.request({ op: 'upscale', image: wire, factor }, [transfer], signal);
    if (r.kind !== 'image') throw new EditError('InternalError.Algo', 'upscale returned no image');
    return fromWire(r.image);
  }

  async detectText(image: RawImage, signal: AbortSignal): Promise<Box[]> {
    const { wire, transfer } = toWire(image);
    const r = await this.request({ op: 'text', image: wire }, [transfer], signal);
    if (r.kind !== 'boxes') throw new EditError('InternalError.Algo', 'text detection returned no boxes');
    return r.boxes;
  }

  async inpaint(image: RawImage, mask: Buffer, signal: AbortSignal): Promise<RawImage> {
    const { wire, transfer } = toWire(image);
    const n = image.width * image.height;
    if (mask.length < n) throw new EditError('InvalidParameter', `mask too small: ${mask.length} < ${n}`);
    const m = new Uint8Array(n);
    m.set(mask.subarray(0, n));
    const r = await this.request({ op: 'inpaint', image: wire, mask: m }, [transfer, m.buffer], signal);
    if (r.kind !== 'image') throw new EditError('InternalError.Algo', 'inpaint returned no image');
    return fromWire(r.image);
  }

  /** Low-level entry, also used by tests for the 'crash' / 'sleep' hooks. */
  request(op: MlOp, transfer: ArrayBuffer[], signal?: AbortSignal): Promise<MlResult> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise<MlResult>((resolve, reject) => {
      const job: Job = { op, transfer, signal, resolve, reject, settled: false };
      const key = modelKeyOf(op.op);
      if (signal) {
        job.onAbort = () => {
          // Queued: drop it. Running: leave the slot busy until the worker answers; discard then.
          const q = this.queues.get(key);
          const i = q ? q.indexOf(job) : -1;
          if (q && i >= 0) q.splice(i, 1);
          this.settle(job, () => reject(abortReason(signal)));
        };
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      let q = this.queues.get(key);
      if (!q) this.queues.set(key, (q = []));
      q.push(job);
      this.pump(key);
    });
  }

  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    const w = this.worker;
    this.worker = undefined;
    for (const [, q] of this.queues) {
      for (const job of q.splice(0)) this.settle(job, () => job.reject(new EditError('InternalError.Algo', 'ML models were closed')));
    }
    this.failRunning(new EditError('InternalError.Algo', 'ML models were closed'));
    if (w) await w.terminate();
  }

  private settle(job: Job, fn: () => void): void {
    if (job.settled) return;
    job.settled = true;
    if (job.signal && job.onAbort) job.signal.removeEventListener('abort', job.onAbort);
    fn();
  }

  private pump(key: ModelKey): void {
    if (this.busy.has(key)) return;
    const q = this.queues.get(key);
    const job = q?.shift();
    if (!job) return;
    const worker = this.ensureWorker();
    const id = this.nextId++;
    this.busy.add(key);
    this.running.set(id, { job, key });
    worker.ref();
    const msg: MlRequest = { ...job.op, id };
    try {
      worker.postMessage(msg, job.transfer);
    } catch (err) {
      this.running.delete(id);
      this.busy.delete(key);
      this.settle(job, () => job.reject(new EditError('InternalError.Algo', `could not reach the ML worker: ${(err as Error).message}`)));
      this.pump(key);
    }
  }

  /** Arms the idle timer when nothing is running or queued; any new request disarms it. */
  private scheduleIdleStop(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (this.idleTimeoutMs <= 0 || !this.worker || this.running.size > 0) return;
    for (const q of this.queues.values()) if (q.length > 0) return;
    const w = this.worker;
    this.idleTimer = setTimeout(() => {
      if (this.worker !== w || this.running.size > 0) return;
      this.worker = undefined;
      void w.terminate();
    }, this.idleTimeoutMs);
    this.idleTimer.unref();
  }

  private ensureWorker(): Worker {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (this.worker) return this.worker;
    const w = startWorker(this.workerData);
    this.starts++;
    this.worker = w;
    w.on('message', (res: MlResponse) => this.onMessage(w, res));
    w.on('error', (err) => this.onDeath(w, `the ML worker failed: ${err.message}`));
    w.on('exit', (code) => this.onDeath(w, `the ML worker exited (code ${code})`));
    w.unref();
    return w;
  }

  private onMessage(w: Worker, res: MlResponse): void {
    if (w !== this.worker) return;
    const r = this.running.get(res.id);
    if (!r) return;
    this.running.delete(res.id);
    this.busy.delete(r.key);
    const { job } = r;
    if (res.ok) {
      if (res.onnxRuntime !== undefined && res.onnxRuntime !== this.onnxRuntime) {
        this.onnxRuntime = res.onnxRuntime;
        this.onOnnxRuntime?.(res.onnxRuntime);
      }
      this.settle(job, () => job.resolve(res.result));
    }
    // The code is an EditError's from the worker thread (or InternalError.Algo), so one of the task codes.
    else this.settle(job, () => job.reject(new EditError(res.code as TaskErrorCode, res.message)));
    if (this.running.size === 0) w.unref();
    if (this.recycleAboveBytes > 0 && res.footprint > this.recycleAboveBytes && this.running.size === 0) {
      // Nothing else inside: give the heap back now; queued requests start a fresh worker.
      this.worker = undefined;
      this.recycles++;
      void w.terminate();
      for (const key of this.queues.keys()) this.pump(key);
      return;
    }
    this.pump(r.key);
    this.scheduleIdleStop();
  }

  private onDeath(w: Worker, message: string): void {
    if (w !== this.worker) return;
    this.worker = undefined;
    this.failRunning(new EditError('InternalError.Algo', message));
    // Requests still queued run on a fresh worker.
    for (const key of this.queues.keys()) this.pump(key);
  }

  private failRunning(err: EditError): void {
    const running = [...this.running.values()];
    this.running.clear();
    this.busy.clear();
    for (const { job } of running) this.settle(job, () => job.reject(err));
  }
}
