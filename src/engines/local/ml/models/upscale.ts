/**
 * 2x / 4x super-resolution: UpscalerJS with ESRGAN-slim (MIT code and weights) on tfjs-wasm.
 * `upscaler/node` is UpscalerJS's shared core bound to '@tensorflow/tfjs-node', which we do not
 * install (it downloads libtensorflow): `createNodeUpscaler` binds the same Node pieces (file://
 * model paths, tensor inputs) to our tfjs instead.
 * Inputs are capped at MAX_INPUT pixels per side; above PATCH_ABOVE pixels the image is processed
 * in 256px patches so peak memory stays around 2 GB. Alpha is resized separately (bicubic). Two
 * bands run at once on two threads (upscaleRgb).
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import type * as TfType from '@tensorflow/tfjs';
import { EditError } from '../../../engine.js';
import { reportHelper } from '../footprint.js';
import type { WireImage } from '../protocol.js';
import { startModuleWorker } from '../spawn.js';
import { resizePlane } from './pixels.js';
import { getTf, rgbTensor } from './tf.js';

const require = createRequire(import.meta.url);
export const MAX_INPUT = 1024;
const PATCH_ABOVE = 512 * 512;

interface UpscalerInstance {
  upscale(input: TfType.Tensor3D, opts: Record<string, unknown>): Promise<TfType.Tensor3D>;
  getModel(): Promise<unknown>;
  dispose(): Promise<void>;
}
type UpscalerCtor = new (opts: { model: unknown }) => UpscalerInstance;

interface UpscalerPieces {
  getUpscaler(deps: Record<string, unknown>): UpscalerCtor;
}

/**
 * What upscaler/node's index.js does (pinned upscaler 1.0.0), with `tf` being ours: its package
 * "exports" expose only that index, so the sibling modules are required by path.
 */
function createNodeUpscaler(tf: unknown): UpscalerCtor {
  const nodeDir = path.dirname(path.dirname(require.resolve('upscaler/node'))); // …/src/node/cjs → …/src/node
  const shared = require(path.join(nodeDir, '..', 'shared')) as UpscalerPieces;
  const args = require(path.join(nodeDir, 'args.node.js')) as Record<string, unknown>;
  const loadModel = require(path.join(nodeDir, 'loadModel.node.js')) as Record<string, unknown>;
  const image = require(path.join(nodeDir, 'image.node.js')) as Record<string, unknown>;
  return shared.getUpscaler({
    tf,
    getUpscaleOptions: args.getUpscaleOptions,
    loadModel: loadModel.loadModel,
    getImageAsTensor: image.getImageAsTensor,
    tensorAsBase64: image.tensorAsBase64,
    checkValidEnvironment: image.checkValidEnvironment,
  });
}

const models = new Map<2 | 4, Promise<UpscalerInstance>>();

function load(factor: 2 | 4): Promise<UpscalerInstance> {
  let p = models.get(factor);
  if (!p) {
    p = (async () => {
      const Upscaler = createNodeUpscaler(await getTf());
      const m = require(factor === 2 ? '@upscalerjs/esrgan-slim/2x' : '@upscalerjs/esrgan-slim/4x') as { default?: unknown };
      const up = new Upscaler({ model: m.default ?? m });
      await up.getModel();
      return up;
    })();
    p.catch(() => models.delete(factor));
    models.set(factor, p);
  }
  return p;
}

export async function upscale(img: WireImage, factor: 2 | 4): Promise<WireImage> {
  if (img.width > MAX_INPUT || img.height > MAX_INPUT) {
    throw new EditError('InvalidParameter', `AI upscaling accepts images up to ${MAX_INPUT}x${MAX_INPUT} pixels; this one is ${img.width}x${img.height}`);
  }
  const rgb = await upscaleRgb(img, factor);
  const W = img.width * factor;
  const H = img.height * factor;
  if (rgb.length !== W * H * 3) throw new Error(`upscaler returned ${rgb.length} values, expected ${W * H * 3}`);
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
 * Rows of context each band gets beyond the seam: more than the network's reach, so the seam
 * rows are computed from the same neighbourhood as without the split (UpscalerJS's own patches
 * use 8).
 */
const SEAM = 16;
/** Images shorter than this run in one piece (the second thread would not pay for itself). */
const SPLIT_FROM_ROWS = 128;

/**
 * The model's RGB output for the whole image. tfjs-wasm runs on one thread in Node, so on a
 * machine with two cores or more the image is cut into a top and a bottom band (overlapping by
 * SEAM rows) and the bottom one runs at the same time in a helper thread (upscale-helper.ts, its
 * own tfjs); the halves are joined at the middle row.
 */
async function upscaleRgb(img: WireImage, factor: 2 | 4): Promise<Uint8Array> {
  if (img.height < SPLIT_FROM_ROWS || availableParallelism() < 2) return upscaleModel(img, factor);
  const mid = Math.floor(img.height / 2);
  const topEnd = Math.min(img.height, mid + SEAM);
  const bottomStart = Math.max(0, mid - SEAM);
  const [top, bottom] = await Promise.all([upscaleModel(rows(img, 0, topEnd), factor), helperUpscale(rows(img, bottomStart, img.height), factor)]);
  const rowBytes = img.width * factor * 3;
  const out = new Uint8Array(img.height * factor * rowBytes);
  out.set(top.subarray(0, mid * factor * rowBytes), 0);
  out.set(bottom.subarray((mid - bottomStart) * factor * rowBytes), mid * factor * rowBytes);
  return out;
}

function rows(img: WireImage, from: number, to: number): WireImage {
  const stride = img.width * img.channels;
  return { data: img.data.slice(from * stride, to * stride), width: img.width, height: to - from, channels: img.channels };
}

/** One run of the model on the whole of `img` (alpha ignored): interleaved RGB, factor× the size. */
export async function upscaleModel(img: WireImage, factor: 2 | 4): Promise<Uint8Array> {
  const tf = await getTf();
  const up = await load(factor);
  const input = rgbTensor(tf, img.data, img.width, img.height, img.channels);
  const opts: Record<string, unknown> = { output: 'tensor' };
  if (img.width * img.height > PATCH_ABOVE) {
    opts.patchSize = 256;
    opts.padding = 8;
  }
  let out: TfType.Tensor3D | undefined;
  try {
    out = await up.upscale(input, opts);
    const u8 = tf.tidy(() => out!.clipByValue(0, 255).round().cast('int32'));
    const rgb = Uint8Array.from(await u8.data());
    u8.dispose();
    return rgb;
  } finally {
    input.dispose();
    out?.dispose();
  }
}

interface HelperReply {
  id: number;
  rgb?: Uint8Array;
  error?: string;
  /** The helper's own memory (footprint.ts), counted in this worker's. */
  footprint?: number;
}

let helper: Worker | undefined;
let nextId = 1;
const waiting = new Map<number, { resolve: (rgb: Uint8Array) => void; reject: (e: Error) => void }>();

/** `upscaleModel` in the helper thread, started on first use and kept while this worker lives. */
function helperUpscale(img: WireImage, factor: 2 | 4): Promise<Uint8Array> {
  if (!helper) {
    const w = startModuleWorker('upscale-helper', undefined);
    w.unref();
    w.on('message', (m: HelperReply) => {
      const p = waiting.get(m.id);
      waiting.delete(m.id);
      if (m.footprint !== undefined) reportHelper('upscale', m.footprint);
      if (m.rgb) p?.resolve(m.rgb);
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
    helper!.postMessage({ id, image: img, factor }, [img.data.buffer as ArrayBuffer]);
  });
}
