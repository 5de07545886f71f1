/**
 * 2x / 4x super-resolution: UpscalerJS with ESRGAN-slim (MIT code and weights) on tfjs-wasm.
 * `upscaler/node` requires '@tensorflow/tfjs-node', which resolves to vendor/tfjs-node-shim.
 * Inputs are capped at MAX_INPUT pixels per side; above PATCH_ABOVE pixels the image is processed
 * in 256px patches so peak memory stays around 2 GB. Alpha is resized separately (bicubic).
 */
import { createRequire } from 'node:module';
import type * as TfType from '@tensorflow/tfjs';
import { EditError } from '../../../engine.js';
import type { WireImage } from '../protocol.js';
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

const models = new Map<2 | 4, Promise<UpscalerInstance>>();

function load(factor: 2 | 4): Promise<UpscalerInstance> {
  let p = models.get(factor);
  if (!p) {
    p = (async () => {
      await getTf();
      const mod = require('upscaler/node') as UpscalerCtor | { default: UpscalerCtor };
      const Upscaler = typeof mod === 'function' ? mod : mod.default;
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
    throw new EditError(
      'InvalidParameter',
      `AI upscaling accepts images up to ${MAX_INPUT}x${MAX_INPUT} pixels; this one is ${img.width}x${img.height}`,
    );
  }
  const tf = await getTf();
  const up = await load(factor);
  const input = rgbTensor(tf, img.data, img.width, img.height, img.channels);
  const opts: Record<string, unknown> = { output: 'tensor' };
  if (img.width * img.height > PATCH_ABOVE) {
    opts.patchSize = 256;
    opts.padding = 8;
  }
  let out: TfType.Tensor3D | undefined;
  let rgb: Uint8Array;
  try {
    out = await up.upscale(input, opts);
    const u8 = tf.tidy(() => out!.clipByValue(0, 255).round().cast('int32'));
    rgb = Uint8Array.from(await u8.data());
    u8.dispose();
  } finally {
    input.dispose();
    out?.dispose();
  }
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
