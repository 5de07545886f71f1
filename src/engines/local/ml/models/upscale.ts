/**
 * 2x / 4x super-resolution: ESRGAN-slim (@upscalerjs/esrgan-slim, MIT code and weights), a tfjs
 * layers model run directly with `model.predict` on tfjs-wasm. It takes and gives pixel values in
 * 0..255 (its definition's inputRange/outputRange), so the only post-processing is the clip to
 * 0..255 that UpscalerJS also did.
 *
 * The image is cut into tiles; each runs as a window of its core plus CONTEXT pixels on every side
 * that lies inside the image (at the border the window stops where the image does: the network
 * zero-pads there exactly as in a one-piece run). tfjs-wasm runs on one thread in Node, so the ML
 * worker thread and a helper thread (upscale-helper.ts, its own tfjs) both take the next tile from
 * one shared queue until none is left, and both cores stay busy to the end. Windows of at most
 * (TILE + 2·CONTEXT)² keep each thread's wasm heap bounded whatever the image size.
 * Inputs are capped at MAX_INPUT pixels per side. Alpha is resized separately (bicubic).
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type * as TfType from '@tensorflow/tfjs';
import { EditError } from '../../../engine.js';
import { reportHelper } from '../footprint.js';
import type { WireImage } from '../protocol.js';
import { startModuleWorker } from '../spawn.js';
import { esrganSlimModel } from './assets.js';
import { resizePlane } from './pixels.js';
import { getTf, type Tf } from './tf.js';

export const MAX_INPUT = 1024;
/** Largest tile core, input pixels per side: a 280² window peaks at ~0.25 GB of wasm heap per thread. */
const TILE = 256;
/**
 * Context around a core. The network sees 10 input pixels each way (seven 3×3 convolutions and a
 * 5×5 before the upsampling, then a 3×3 at output scale that reaches one more input pixel), so
 * with 12 every core pixel is computed from the same neighbourhood as in a one-piece run.
 */
const CONTEXT = 12;
/** Images with a longer side below this run as one tile (a second thread would not pay for itself). */
const SPLIT_FROM = 128;

export interface Grid {
  cols: number;
  rows: number;
}

/**
 * Tiles for an image: equal parts of at most TILE per side, and an even count so that the two
 * threads finish together.
 */
export function gridFor(width: number, height: number): Grid {
  const grid = { cols: Math.ceil(width / TILE), rows: Math.ceil(height / TILE) };
  if (Math.max(width, height) < SPLIT_FROM || availableParallelism() < 2) return grid;
  if ((grid.cols * grid.rows) % 2 === 1) {
    if (width / grid.cols >= height / grid.rows) grid.cols++;
    else grid.rows++;
  }
  return grid;
}

/**
 * One upscale as both threads see it: the input RGB, the output RGB (each thread writes its tiles'
 * cores) and the queue (the index of the next tile to take), all in shared memory.
 */
export interface TileJob {
  width: number;
  height: number;
  factor: 2 | 4;
  grid: Grid;
  rgb: SharedArrayBuffer;
  out: SharedArrayBuffer;
  next: SharedArrayBuffer;
}

const models = new Map<2 | 4, Promise<TfType.LayersModel>>();

function load(factor: 2 | 4): Promise<TfType.LayersModel> {
  let p = models.get(factor);
  if (!p) {
    p = getTf().then((tf) => tf.loadLayersModel('file://' + esrganSlimModel(factor)));
    p.catch(() => models.delete(factor));
    models.set(factor, p);
  }
  return p;
}

export async function upscale(img: WireImage, factor: 2 | 4): Promise<WireImage> {
  if (img.width > MAX_INPUT || img.height > MAX_INPUT) {
    throw new EditError('InvalidParameter', `AI upscaling accepts images up to ${MAX_INPUT}x${MAX_INPUT} pixels; this one is ${img.width}x${img.height}`);
  }
  const rgb = await upscaleRgb(img, factor, gridFor(img.width, img.height));
  const W = img.width * factor;
  const H = img.height * factor;
  if (img.channels === 3) return { data: rgb, width: W, height: H, channels: 3 };
  const alpha = new Uint8Array(img.width * img.height);
  for (let i = 0; i < alpha.length; i++) alpha[i] = img.data[i * 4 + 3]!;
  const a = await resizePlane(alpha, img.width, img.height, W, H);
  const rgba = new Uint8Array(W * H * 4);
  for (let i = 0, n = W * H; i < n; i++) {
    rgba[i * 4] = rgb[i * 3]!;
    rgba[i * 4 + 1] = rgb[i * 3 + 1]!;
    rgba[i * 4 + 2] = rgb[i * 3 + 2]!;
    rgba[i * 4 + 3] = a[i]!;
  }
  return { data: rgba, width: W, height: H, channels: 4 };
}

/**
 * The model's RGB output for the whole image (alpha ignored), computed tile by tile on this thread
 * and, when there is more than one tile and a second core, on the helper thread at the same time.
 */
export async function upscaleRgb(img: WireImage, factor: 2 | 4, grid: Grid): Promise<Uint8Array> {
  const { width, height, channels } = img;
  const job: TileJob = {
    width,
    height,
    factor,
    grid,
    rgb: new SharedArrayBuffer(width * height * 3),
    out: new SharedArrayBuffer(width * factor * height * factor * 3),
    next: new SharedArrayBuffer(4),
  };
  const rgb = new Uint8Array(job.rgb);
  for (let i = 0, j = 0, n = width * height; i < n; i++, j += channels) {
    rgb[i * 3] = img.data[j]!;
    rgb[i * 3 + 1] = img.data[j + 1]!;
    rgb[i * 3 + 2] = img.data[j + 2]!;
  }
  // The helper is asked first: this thread's own tiles then block its event loop until they are done.
  const helped = grid.cols * grid.rows > 1 && availableParallelism() >= 2 ? helperTiles(job) : Promise.resolve(0);
  helped.catch(() => {}); // awaited below; this thread's tiles must not leave it unhandled meanwhile
  await runTiles(job);
  await helped;
  return new Uint8Array(job.out).slice(); // a plain copy: shared memory cannot be transferred
}

/** Takes tiles from the job's queue and runs them until none is left; answers how many it ran. */
export async function runTiles(job: TileJob): Promise<number> {
  const tf = await getTf();
  const model = await load(job.factor);
  const next = new Int32Array(job.next);
  const count = job.grid.cols * job.grid.rows;
  let ran = 0;
  for (let i = Atomics.add(next, 0, 1); i < count; i = Atomics.add(next, 0, 1)) {
    runTile(tf, model, job, i % job.grid.cols, Math.floor(i / job.grid.cols));
    ran++;
  }
  return ran;
}

/** [start, end) of part `i` of `n` equal parts of `length`. */
function part(length: number, n: number, i: number): [number, number] {
  return [Math.round((length * i) / n), Math.round((length * (i + 1)) / n)];
}

function runTile(tf: Tf, model: TfType.LayersModel, job: TileJob, col: number, row: number): void {
  const { width, height, factor: f } = job;
  const [cx0, cx1] = part(width, job.grid.cols, col);
  const [cy0, cy1] = part(height, job.grid.rows, row);
  const x0 = Math.max(0, cx0 - CONTEXT);
  const x1 = Math.min(width, cx1 + CONTEXT);
  const y0 = Math.max(0, cy0 - CONTEXT);
  const y1 = Math.min(height, cy1 + CONTEXT);
  const ww = x1 - x0;
  const wh = y1 - y0;
  const rgb = new Uint8Array(job.rgb);
  const input = new Float32Array(ww * wh * 3);
  for (let y = 0; y < wh; y++) input.set(rgb.subarray(((y0 + y) * width + x0) * 3, ((y0 + y) * width + x1) * 3), y * ww * 3);
  const result = tf.tidy(() => {
    const pred = model.predict(tf.tensor4d(input, [1, wh, ww, 3])) as TfType.Tensor4D;
    return pred
      .slice([0, (cy0 - y0) * f, (cx0 - x0) * f, 0], [1, (cy1 - cy0) * f, (cx1 - cx0) * f, 3])
      .clipByValue(0, 255)
      .round()
      .cast('int32');
  });
  const px = result.dataSync() as Int32Array;
  result.dispose();
  const out = new Uint8Array(job.out);
  const rowLen = (cx1 - cx0) * f * 3;
  for (let y = 0, n = (cy1 - cy0) * f; y < n; y++) out.set(px.subarray(y * rowLen, (y + 1) * rowLen), ((cy0 * f + y) * width * f + cx0 * f) * 3);
}

interface HelperReply {
  id: number;
  ran?: number;
  error?: string;
  /** The helper's own memory (footprint.ts), counted in this worker's. */
  footprint?: number;
}

let helper: Worker | undefined;
let nextId = 1;
const waiting = new Map<number, { resolve: (ran: number) => void; reject: (e: Error) => void }>();

/** `runTiles` on the helper thread, started on first use and kept while this worker lives. */
function helperTiles(job: TileJob): Promise<number> {
  if (!helper) {
    const w = startModuleWorker('upscale-helper', undefined);
    w.unref();
    w.on('message', (m: HelperReply) => {
      const p = waiting.get(m.id);
      waiting.delete(m.id);
      if (m.footprint !== undefined) reportHelper('upscale', m.footprint);
      if (m.ran !== undefined) p?.resolve(m.ran);
      else p?.reject(new Error(m.error ?? 'upscale helper failed'));
    });
    const fail = (why: string) => {
      if (helper === w) helper = undefined;
      for (const p of waiting.values()) p.reject(new Error(why));
      waiting.clear();
    };
    w.on('error', (e) => fail(`upscale helper failed: ${e.message}`));
    w.on('exit', (code) => fail(`upscale helper exited (code ${code})`));
    helper = w;
  }
  const id = nextId++;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    helper!.postMessage({ id, job });
  });
}
