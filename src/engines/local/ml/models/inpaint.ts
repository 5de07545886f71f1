/**
 * Classical inpainting: OpenCV's Telea fast-marching method (`cv.inpaint`, INPAINT_TELEA) from
 * @techstark/opencv-js (Apache-2.0, wasm). No ML weights exist on npm for LaMa-style inpainting;
 * this fills small regions (text, blemishes) well and smears large ones. Alpha is kept as is.
 */
import { createRequire } from 'node:module';
import type { WireImage } from '../protocol.js';

const require = createRequire(import.meta.url);
const RADIUS = 5;

interface Mat {
  data: Uint8Array;
  delete(): void;
}
interface Cv {
  CV_8UC1: number;
  CV_8UC3: number;
  INPAINT_TELEA: number;
  Mat: new () => Mat;
  matFromArray(rows: number, cols: number, type: number, data: ArrayLike<number>): Mat;
  inpaint(src: Mat, mask: Mat, dst: Mat, radius: number, flags: number): void;
}

let cvp: Promise<Cv> | undefined;

function loadCv(): Promise<Cv> {
  cvp ??= new Promise<Cv>((resolve, reject) => {
    const mod = require('@techstark/opencv-js') as Cv & { then?: (cb: (m: Cv & { then?: unknown }) => void) => void };
    if (typeof mod.then !== 'function') {
      resolve(mod);
      return;
    }
    // The module object is a thenable that resolves to itself: drop `then` or awaiting loops.
    const timer = setTimeout(() => reject(new Error('opencv.js did not initialise')), 60_000);
    mod.then((m) => {
      clearTimeout(timer);
      delete m.then;
      resolve(m);
    });
  });
  return cvp;
}

export async function inpaint(img: WireImage, mask: Uint8Array): Promise<WireImage> {
  const cv = await loadCv();
  const { width, height, channels } = img;
  const n = width * height;
  let any = false;
  for (let i = 0; i < n; i++) if (mask[i]! >= 128) { any = true; break; }
  if (!any) return img;
  const rgb = new Uint8Array(n * 3);
  for (let i = 0, j = 0; i < n; i++, j += channels) {
    rgb[i * 3] = img.data[j]!;
    rgb[i * 3 + 1] = img.data[j + 1]!;
    rgb[i * 3 + 2] = img.data[j + 2]!;
  }
  const m = new Uint8Array(n);
  for (let i = 0; i < n; i++) m[i] = mask[i]! >= 128 ? 255 : 0;
  const src = cv.matFromArray(height, width, cv.CV_8UC3, rgb);
  const mk = cv.matFromArray(height, width, cv.CV_8UC1, m);
  const dst = new cv.Mat();
  try {
    cv.inpaint(src, mk, dst, RADIUS, cv.INPAINT_TELEA);
    const out = new Uint8Array(n * channels);
    for (let i = 0, j = 0; i < n; i++, j += channels) {
      out[j] = dst.data[i * 3]!;
      out[j + 1] = dst.data[i * 3 + 1]!;
      out[j + 2] = dst.data[i * 3 + 2]!;
      if (channels === 4) out[j + 3] = img.data[j + 3]!;
    }
    return { data: out, width, height, channels };
  } finally {
    src.delete();
    mk.delete();
    dst.delete();
  }
}
