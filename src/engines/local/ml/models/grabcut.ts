/**
 * Classical foreground segmentation for subjects the person model does not know (products,
 * objects on a table): OpenCV's GrabCut, seeded with a thin frame along the image border as
 * certain background and everything inside as probable foreground, which is how such photos
 * are framed. Runs at a reduced size; segment.ts refines the edges against the full image.
 */
import type { WireImage } from '../protocol.js';
import { loadCv } from './opencv.js';
import { fitScale, resizedRgb } from './pixels.js';

/** Working size (longer side): GrabCut's cost grows with pixels and iterations. */
const WORK = 400;
/** Share of each side taken as certain background. */
const FRAME = 0.03;
const ITERATIONS = 5;
// OpenCV's GrabCut labels.
const GC_BGD = 0;
const GC_FGD = 1;
const GC_PR_FGD = 3;

/** A coarse matte (255 = subject) at `width`×`height`, the working size. */
export async function grabCutMatte(img: WireImage): Promise<{ matte: Uint8Array; width: number; height: number }> {
  const cv = await loadCv();
  const s = fitScale(img.width, img.height, WORK);
  const width = Math.max(8, Math.round(img.width * s));
  const height = Math.max(8, Math.round(img.height * s));
  const rgb = await resizedRgb(img, width, height);
  const labels = new Uint8Array(width * height).fill(GC_PR_FGD);
  const fx = Math.max(1, Math.round(width * FRAME));
  const fy = Math.max(1, Math.round(height * FRAME));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (x < fx || y < fy || x >= width - fx || y >= height - fy) labels[y * width + x] = GC_BGD;
    }
  }
  const src = cv.matFromArray(height, width, cv.CV_8UC3, rgb);
  const mask = cv.matFromArray(height, width, cv.CV_8UC1, labels);
  const bgd = new cv.Mat();
  const fgd = new cv.Mat();
  try {
    cv.grabCut(src, mask, new cv.Rect(0, 0, width, height), bgd, fgd, ITERATIONS, cv.GC_INIT_WITH_MASK);
    const matte = new Uint8Array(width * height);
    for (let i = 0; i < matte.length; i++) {
      const v = mask.data[i];
      matte[i] = v === GC_FGD || v === GC_PR_FGD ? 255 : 0;
    }
    return { matte, width, height };
  } finally {
    src.delete();
    mask.delete();
    bgd.delete();
    fgd.delete();
  }
}
