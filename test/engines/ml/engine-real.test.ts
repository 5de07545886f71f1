/**
 * The built-in engine's ML operations end to end with the real models (no fakes): the checks
 * issue 3 names — background removal, face blur, upscaling, watermark removal — on real photos.
 */
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import type { EditRequest } from '../../../src/engines/engine.js';
import { createLocalEngine } from '../../../src/engines/local/local-engine.js';
import { MlWorkerClient } from '../../../src/engines/local/ml/index.js';
import { psnr, renderText, samplePhoto } from './helpers.js';

const engine = createLocalEngine();
const detector = new MlWorkerClient();
afterAll(async () => {
  await engine.close?.();
  await detector.close();
});

async function edit(prompt: string, image: Buffer, size: { width: number; height: number }, extra: Partial<EditRequest> = {}) {
  const { png } = await engine.edit({
    images: [image],
    prompt,
    negativePrompt: '',
    index: 0,
    seed: 1,
    size,
    promptExtend: false,
    watermark: false,
    signal: new AbortController().signal,
    ...extra,
  });
  return sharp(png).raw().toBuffer({ resolveWithObject: true });
}

/** Variance of the 4-neighbour Laplacian of the luminance over a box: high-frequency energy. */
function laplacianEnergy(rgb: Buffer, width: number, channels: number, box: { x: number; y: number; width: number; height: number }) {
  const lum = (x: number, y: number) => {
    const o = (y * width + x) * channels;
    return 0.299 * rgb[o]! + 0.587 * rgb[o + 1]! + 0.114 * rgb[o + 2]!;
  };
  let sum = 0;
  let sq = 0;
  let n = 0;
  for (let y = box.y + 1; y < box.y + box.height - 1; y++) {
    for (let x = box.x + 1; x < box.x + box.width - 1; x++) {
      const l = 4 * lum(x, y) - lum(x - 1, y) - lum(x + 1, y) - lum(x, y - 1) - lum(x, y + 1);
      sum += l;
      sq += l * l;
      n++;
    }
  }
  return sq / n - (sum / n) ** 2;
}

describe('built-in engine with the real ML models', () => {
  it('remove the background: transparent corners, opaque people', async () => {
    const photo = await sharp(samplePhoto(4)).resize(640).png().toBuffer();
    const meta = await sharp(photo).metadata();
    const size = { width: meta.width!, height: meta.height! };
    const out = await edit('remove the background', photo, size);
    expect(out.info.channels).toBe(4);
    const alpha = (x: number, y: number) => out.data[(y * out.info.width + x) * 4 + 3]!;
    for (const [x, y] of [
      [2, 2],
      [size.width - 3, 2],
      [2, size.height - 3],
      [size.width - 3, size.height - 3],
    ] as const) {
      expect(alpha(x, y)).toBeLessThan(30);
    }
    const { data, info } = await sharp(photo).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const faces = await detector.detectFaces({ data, width: info.width, height: info.height, channels: 3 }, new AbortController().signal);
    expect(faces.length).toBeGreaterThanOrEqual(2);
    for (const f of faces) expect(alpha(Math.round(f.x + f.width / 2), Math.round(f.y + f.height / 2))).toBeGreaterThan(200);
  }, 60_000);

  it('remove the background of an object photo (no person): GrabCut keeps the object, clears the table', async () => {
    // A textured blue box on a light, noisy, shaded surface: what a product shot looks like.
    const W = 600;
    const H = 450;
    const raw = Buffer.alloc(W * H * 3);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const o = (y * W + x) * 3;
        const inBox = x > 190 && x < 410 && y > 120 && y < 360;
        const noise = ((x * 7919 + y * 104729) % 17) - 8;
        if (inBox) {
          const stripe = (x + y) % 24 < 12 ? 20 : 0;
          raw[o] = 30 + stripe + noise;
          raw[o + 1] = 60 + stripe + noise;
          raw[o + 2] = 170 + stripe + noise;
        } else {
          const shade = 225 - Math.round((y / H) * 30);
          raw[o] = shade + noise;
          raw[o + 1] = shade - 4 + noise;
          raw[o + 2] = shade - 10 + noise;
        }
      }
    }
    const photo = await sharp(raw, { raw: { width: W, height: H, channels: 3 } })
      .png()
      .toBuffer();
    const out = await edit('remove the background', photo, { width: W, height: H });
    expect(out.info.channels).toBe(4);
    const alpha = (x: number, y: number) => out.data[(y * W + x) * 4 + 3]!;
    let inside = 0;
    let outside = 0;
    let nIn = 0;
    let nOut = 0;
    for (let y = 0; y < H; y += 3) {
      for (let x = 0; x < W; x += 3) {
        if (x > 205 && x < 395 && y > 135 && y < 345) {
          inside += alpha(x, y);
          nIn++;
        } else if (x < 170 || x > 430 || y < 100 || y > 380) {
          outside += alpha(x, y);
          nOut++;
        }
      }
    }
    expect(inside / nIn).toBeGreaterThan(220);
    expect(outside / nOut).toBeLessThan(25);
  }, 60_000);

  it('blur the faces: high-frequency energy in every face drops, the background stays', async () => {
    const photo = await sharp(samplePhoto(1)).resize(800).png().toBuffer();
    const { data, info } = await sharp(photo).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const size = { width: info.width, height: info.height };
    const faces = await detector.detectFaces({ data, width: info.width, height: info.height, channels: 3 }, new AbortController().signal);
    expect(faces.length).toBeGreaterThanOrEqual(2);
    const out = await edit('blur the faces', photo, size);
    for (const f of faces) {
      const box = {
        x: Math.round(f.x + f.width * 0.2),
        y: Math.round(f.y + f.height * 0.2),
        width: Math.round(f.width * 0.6),
        height: Math.round(f.height * 0.6),
      };
      const before = laplacianEnergy(data, info.width, 3, box);
      const after = laplacianEnergy(out.data, out.info.width, out.info.channels, box);
      expect(after).toBeLessThan(before * 0.3);
    }
    const corner = { x: 0, y: 0, width: 40, height: 40 };
    expect(laplacianEnergy(out.data, out.info.width, out.info.channels, corner)).toBeGreaterThan(laplacianEnergy(data, info.width, 3, corner) * 0.7);
  }, 60_000);

  it('upscale 2x: closer to the original than a plain resize of the same input', async () => {
    const original = await sharp(samplePhoto(2)).resize(384, 384, { fit: 'cover' }).removeAlpha().png().toBuffer();
    const small = await sharp(original).resize(192, 192).png().toBuffer();
    const size = { width: 384, height: 384 };
    const out = await edit('upscale 2x', small, size);
    const reference = await sharp(original).raw().toBuffer();
    const plain = await sharp(small).resize(384, 384).raw().toBuffer();
    expect(out.info.channels).toBe(3);
    expect(psnr(out.data, reference)).toBeGreaterThan(psnr(plain, reference));
  }, 120_000);

  it('remove the watermark: the overlaid text is painted out, the rest is untouched', async () => {
    const base = await sharp(samplePhoto(3)).resize(640, 480, { fit: 'cover' }).removeAlpha().png().toBuffer();
    const text = await renderText('SAMPLE', 40, '#ffffff');
    const layer = await sharp({ create: { width: 640, height: 480, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
      .composite([{ input: text, left: 380, top: 400 }])
      .raw()
      .toBuffer();
    const marked = await sharp(base)
      .composite([{ input: text, left: 380, top: 400 }])
      .removeAlpha()
      .png()
      .toBuffer();
    const out = await edit('remove the watermark', marked, { width: 640, height: 480 });
    const reference = await sharp(base).raw().toBuffer();
    const withText = await sharp(marked).removeAlpha().raw().toBuffer();
    expect(out.info.channels).toBe(3);
    // Distance to the text-free original, on the pixels the text covered and far away from it.
    let onText = 0;
    let onTextBefore = 0;
    let n = 0;
    let far = 0;
    let m = 0;
    for (let p = 0; p < 640 * 480; p++) {
      const d = (img: Buffer) =>
        Math.abs(img[p * 3]! - reference[p * 3]!) + Math.abs(img[p * 3 + 1]! - reference[p * 3 + 1]!) + Math.abs(img[p * 3 + 2]! - reference[p * 3 + 2]!);
      if (layer[p * 4 + 3]! > 200) {
        onText += d(out.data);
        onTextBefore += d(withText);
        n++;
      } else if (Math.floor(p / 640) < 300) {
        far += d(out.data);
        m++;
      }
    }
    expect(n).toBeGreaterThan(500);
    expect(onText / n).toBeLessThan((onTextBefore / n) * 0.5);
    expect(far / m).toBeLessThan(3);
  }, 60_000);
});
