/**
 * OpenCV.js (@techstark/opencv-js, Apache-2.0, wasm), loaded once per worker. Used for
 * classical inpainting (inpaint.ts) and GrabCut segmentation (grabcut.ts).
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface Mat {
  data: Uint8Array;
  delete(): void;
}

export interface Cv {
  CV_8UC1: number;
  CV_8UC3: number;
  INPAINT_TELEA: number;
  GC_INIT_WITH_MASK: number;
  Mat: new () => Mat;
  Rect: new (x: number, y: number, width: number, height: number) => unknown;
  matFromArray(rows: number, cols: number, type: number, data: ArrayLike<number>): Mat;
  inpaint(src: Mat, mask: Mat, dst: Mat, radius: number, flags: number): void;
  grabCut(img: Mat, mask: Mat, rect: unknown, bgdModel: Mat, fgdModel: Mat, iterations: number, mode: number): void;
}

let cvp: Promise<Cv> | undefined;

export function loadCv(): Promise<Cv> {
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
