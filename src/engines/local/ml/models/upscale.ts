/**
 * 2x / 4x super-resolution: ESRGAN-slim (@upscalerjs/esrgan-slim, MIT code and weights), its tfjs
 * layers model translated into an ONNX graph at load (esrgan-onnx.ts) and run on ONNX Runtime
 * (ort.ts: native CPU with two threads where onnxruntime-node loads, else WebAssembly). It takes and
 * gives pixel values in 0..255 (its definition's inputRange/outputRange), so the only
 * post-processing is the clip to 0..255 and the rounding that UpscalerJS also did.
 *
 * The image is cut into tiles, run one after the other (ONNX Runtime spreads each over the cores
 * itself); each runs as a window of its core plus CONTEXT pixels on every side that lies inside the
 * image (at the border the window stops where the image does: the network zero-pads there exactly
 * as in a one-piece run). Tiles of at most TILE_OUT² output pixels bound the runtime's memory
 * whatever the image size: the last layers run at output scale, so a 4× tile has half the side of
 * a 2× one. Tiles of twice the side ran 14–19 % faster at twice the peak RSS (about 1 GB); the
 * goal times are met with these, so memory wins (docs/benchmarks.md: time and peak per tile size).
 *
 * ORT's arena keeps the largest run's memory until its session is released, and releasing gives
 * it back at once (a 2× tile: 0.38 -> 0.13 GB RSS). A fresh session's first runs are slower, though
 * (a 512² upscale took 1.08 s instead of 0.85 s with one session per upscale), so the session is
 * kept for upscales that follow within KEEP_MS and released after that (or when the other factor
 * is asked for): back-to-back upscales (n > 1) stay fast, and the memory comes back when they end.
 *
 * Inputs are capped at MAX_INPUT pixels per side. Alpha is resized separately (bicubic).
 */
import { EditError } from '../../../engine.js';
import type { WireImage } from '../protocol.js';
import { esrganSlimModel } from './assets.js';
import { esrganToOnnx, INPUT, OUTPUT } from './esrgan-onnx.js';
import { createSession, getOrt, type InferenceSession, type Ort } from './ort.js';
import { resizePlane } from './pixels.js';

export const MAX_INPUT = 1024;
/** Largest tile core, output pixels per side (256² input pixels for 2×, 128² for 4×). */
const TILE_OUT = 512;
/**
 * Context around a core. The network sees 10 input pixels each way (seven 3×3 convolutions and a
 * 5×5 before the upsampling, then a 3×3 at output scale that reaches one more input pixel), so
 * with 12 every core pixel is computed from the same neighbourhood as in a one-piece run.
 */
const CONTEXT = 12;

export interface Grid {
  cols: number;
  rows: number;
}

/** Tiles for an image: equal parts of at most TILE_OUT / factor input pixels per side. */
export function gridFor(width: number, height: number, factor: 2 | 4): Grid {
  const tile = TILE_OUT / factor;
  return { cols: Math.ceil(width / tile), rows: Math.ceil(height / tile) };
}

/** How long an upscale's session is kept for the next one before it is released. */
const KEEP_MS = 1000;

/** The ONNX graph per factor, translated once per worker. */
const graphs = new Map<2 | 4, Promise<Uint8Array>>();

function graph(factor: 2 | 4): Promise<Uint8Array> {
  let p = graphs.get(factor);
  if (!p) {
    p = esrganToOnnx(esrganSlimModel(factor));
    p.catch(() => graphs.delete(factor));
    graphs.set(factor, p);
  }
  return p;
}

let kept: { factor: 2 | 4; session: Promise<InferenceSession> } | undefined;
let releaseTimer: NodeJS.Timeout | undefined;

/** The session for `factor` (upscales run one at a time: the client queues them per model). */
function sessionFor(factor: 2 | 4): Promise<InferenceSession> {
  clearTimeout(releaseTimer);
  if (kept?.factor !== factor) {
    release();
    const session = graph(factor).then(createSession);
    session.catch(() => {
      if (kept?.session === session) kept = undefined;
    });
    kept = { factor, session };
  }
  return kept.session;
}

function release(): void {
  const s = kept?.session;
  kept = undefined;
  void s?.then((x) => x.release()).catch(() => {});
}

function releaseLater(): void {
  releaseTimer = setTimeout(release, KEEP_MS);
  releaseTimer.unref();
}

export async function upscale(img: WireImage, factor: 2 | 4): Promise<WireImage> {
  if (img.width > MAX_INPUT || img.height > MAX_INPUT) {
    throw new EditError('InvalidParameter', `AI upscaling accepts images up to ${MAX_INPUT}x${MAX_INPUT} pixels; this one is ${img.width}x${img.height}`);
  }
  const rgb = await upscaleRgb(img, factor, gridFor(img.width, img.height, factor));
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

/** The model's RGB output for the whole image (alpha ignored), computed tile by tile. */
export async function upscaleRgb(img: WireImage, factor: 2 | 4, grid: Grid): Promise<Uint8Array> {
  const ort = await getOrt();
  const session = await sessionFor(factor);
  try {
    // A clamped array rounds half to even and clips to 0..255 on assignment, as tfjs's round() and
    // UpscalerJS's clip did.
    const out = new Uint8ClampedArray(img.width * factor * img.height * factor * 3);
    for (let row = 0; row < grid.rows; row++) {
      for (let col = 0; col < grid.cols; col++)
        await runTile(ort, session, img, factor, out, part(img.width, grid.cols, col), part(img.height, grid.rows, row));
    }
    return new Uint8Array(out.buffer);
  } finally {
    releaseLater();
  }
}

/** [start, end) of part `i` of `n` equal parts of `length`. */
function part(length: number, n: number, i: number): [number, number] {
  return [Math.round((length * i) / n), Math.round((length * (i + 1)) / n)];
}

async function runTile(
  ort: Ort,
  session: InferenceSession,
  img: WireImage,
  f: 2 | 4,
  out: Uint8ClampedArray,
  [cx0, cx1]: [number, number],
  [cy0, cy1]: [number, number],
): Promise<void> {
  const { width, height, channels, data } = img;
  const x0 = Math.max(0, cx0 - CONTEXT);
  const x1 = Math.min(width, cx1 + CONTEXT);
  const y0 = Math.max(0, cy0 - CONTEXT);
  const y1 = Math.min(height, cy1 + CONTEXT);
  const ww = x1 - x0;
  const wh = y1 - y0;
  // The window as planes (NCHW), pixel values 0..255.
  const plane = ww * wh;
  const input = new Float32Array(plane * 3);
  for (let y = 0; y < wh; y++) {
    for (let x = 0, i = ((y0 + y) * width + x0) * channels, o = y * ww; x < ww; x++, i += channels, o++) {
      input[o] = data[i]!;
      input[plane + o] = data[i + 1]!;
      input[2 * plane + o] = data[i + 2]!;
    }
  }
  const result = await session.run({ [INPUT]: new ort.Tensor('float32', input, [1, 3, wh, ww]) });
  const px = result[OUTPUT]!.data as Float32Array;
  // The core's output pixels, interleaved back to RGB.
  const OW = ww * f;
  const oplane = OW * wh * f;
  const W = width * f;
  for (let y = cy0 * f, sy = (cy0 - y0) * f; y < cy1 * f; y++, sy++) {
    for (let x = cx0 * f, s = sy * OW + (cx0 - x0) * f, o = (y * W + x) * 3; x < cx1 * f; x++, s++, o += 3) {
      out[o] = px[s]!;
      out[o + 1] = px[oplane + s]!;
      out[o + 2] = px[2 * oplane + s]!;
    }
  }
}
