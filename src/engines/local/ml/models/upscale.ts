/**
 * 2x / 4x super-resolution: UpscalerJS with ESRGAN-slim (MIT code and weights) on tfjs-wasm.
 * `upscaler/node` is UpscalerJS's shared core bound to '@tensorflow/tfjs-node', which we do not
 * install (it downloads libtensorflow): `createNodeUpscaler` binds the same Node pieces (file://
 * model paths, tensor inputs) to our tfjs instead.
 * Inputs are capped at MAX_INPUT pixels per side; above PATCH_ABOVE pixels the image is processed
 * in 256px patches so peak memory stays around 2 GB. Alpha is resized separately (bicubic).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
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
