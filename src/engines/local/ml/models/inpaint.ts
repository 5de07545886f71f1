/**
 * Classical inpainting: OpenCV's Telea fast-marching method (`cv.inpaint`, INPAINT_TELEA) from
 * @techstark/opencv-js (Apache-2.0, wasm). No ML weights exist on npm for LaMa-style inpainting;
 * this fills small regions (text, blemishes) well and smears large ones. Alpha is kept as is.
 */
import type { WireImage } from '../protocol.js';
import { loadCv } from './opencv.js';

const RADIUS = 5;

export async function inpaint(img: WireImage, mask: Uint8Array): Promise<WireImage> {
  const cv = await loadCv();
  const { width, height, channels } = img;
  const n = width * height;
  let any = false;
  for (let i = 0; i < n; i++)
    if (mask[i]! >= 128) {
      any = true;
      break;
    }
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
