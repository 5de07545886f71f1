/**
 * Real models, no mocks: one worker for the whole file (models load once). Small images keep the
 * file well under a minute on 2 cores.
 */
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { MlWorkerClient, type RawImage } from '../../../src/engines/local/ml/index.js';
import { loadRgb, meanAbsDiff, patchMean, psnr, renderText, samplePhoto } from './helpers.js';

const ml = new MlWorkerClient();
const signal = new AbortController().signal;
afterAll(() => ml.close());

describe('ML models (real weights)', () => {
  it('segmentForeground: transparent corners, opaque subjects', async () => {
    const img = await loadRgb(samplePhoto(4), 512); // four people in front of a wall
    const matte = await ml.segmentForeground(img, signal);
    expect(matte.length).toBe(img.width * img.height);
    const { width: W, height: H } = img;
    const s = 24;
    for (const [x, y] of [
      [0, 0],
      [W - s, 0],
      [0, H - s],
      [W - s, H - s],
    ] as const) {
      expect(patchMean(matte, W, x, y, s)).toBeLessThan(20);
    }
    // The subjects: every detected face centre is foreground.
    const faces = await ml.detectFaces(img, signal);
    expect(faces.length).toBeGreaterThanOrEqual(2);
    for (const f of faces) {
      const cx = Math.round(f.x + f.width / 2 - 6);
      const cy = Math.round(f.y + f.height / 2 - 6);
      expect(patchMean(matte, W, cx, cy, 12)).toBeGreaterThan(235);
    }
    // and a real mix of both.
    let fg = 0;
    for (const v of matte) if (v > 127) fg++;
    expect(fg / matte.length).toBeGreaterThan(0.15);
    expect(fg / matte.length).toBeLessThan(0.85);
  });

  it('detectFaces: finds the three faces in a group photo, boxes inside the image', async () => {
    const img = await loadRgb(samplePhoto(1), 1024);
    const faces = await ml.detectFaces(img, signal);
    expect(faces.length).toBeGreaterThanOrEqual(2);
    expect(faces.length).toBeLessThanOrEqual(4);
    for (const f of faces) {
      expect(f.x).toBeGreaterThanOrEqual(0);
      expect(f.y).toBeGreaterThanOrEqual(0);
      expect(f.x + f.width).toBeLessThanOrEqual(img.width);
      expect(f.y + f.height).toBeLessThanOrEqual(img.height);
      expect(f.width).toBeGreaterThan(40);
      expect(f.score).toBeGreaterThan(0.3);
      expect(f.score).toBeLessThanOrEqual(1);
    }
    // The same photo at a different size gives boxes at the same places (mapped back).
    const small = await loadRgb(samplePhoto(1), 640);
    const faces2 = await ml.detectFaces(small, signal);
    expect(faces2.length).toBe(faces.length);
  });

  it('upscale 2x: closer to the original than a bicubic resize', async () => {
    const orig = await loadRgb(samplePhoto(4), 256);
    const { width: W, height: H } = orig;
    const w = W / 2;
    const h = Math.floor(H / 2);
    const origCrop = await sharp(orig.data, { raw: { width: W, height: H, channels: 3 } })
      .extract({ left: 0, top: 0, width: W, height: h * 2 })
      .raw()
      .toBuffer();
    const down = await sharp(origCrop, { raw: { width: W, height: h * 2, channels: 3 } })
      .resize(w, h, { kernel: 'cubic' })
      .raw()
      .toBuffer();
    const up = await ml.upscale({ data: down, width: w, height: h, channels: 3 }, 2, signal);
    expect([up.width, up.height, up.channels]).toEqual([W, h * 2, 3]);
    const bicubic = await sharp(down, { raw: { width: w, height: h, channels: 3 } })
      .resize(W, h * 2, { kernel: 'cubic' })
      .raw()
      .toBuffer();
    const pModel = psnr(up.data, origCrop);
    const pBicubic = psnr(bicubic, origCrop);
    expect(pModel).toBeGreaterThan(pBicubic + 0.5);
  });

  it('upscale 4x keeps alpha and size', async () => {
    const rgb = await loadRgb(samplePhoto(2), 48);
    const n = rgb.width * rgb.height;
    const rgba = Buffer.alloc(n * 4);
    for (let i = 0; i < n; i++) {
      rgb.data.copy(rgba, i * 4, i * 3, i * 3 + 3);
      rgba[i * 4 + 3] = i % rgb.width < rgb.width / 2 ? 255 : 0;
    }
    const up = await ml.upscale({ data: rgba, width: rgb.width, height: rgb.height, channels: 4 }, 4, signal);
    expect([up.width, up.height, up.channels]).toEqual([rgb.width * 4, rgb.height * 4, 4]);
    expect(up.data[3]).toBeGreaterThan(250); // left: opaque
    expect(up.data[(up.width - 1) * 4 + 3]).toBeLessThan(5); // right: transparent
  });

  it('upscale on ONNX Runtime gives the tfjs layers model it was converted from, in one piece and in tiles', async () => {
    const { upscale, upscaleRgb } = await import('../../../src/engines/local/ml/models/upscale.js');
    const { esrganSlimModel } = await import('../../../src/engines/local/ml/models/assets.js');
    const { getTf } = await import('../../../src/engines/local/ml/models/tf.js');
    const tf = await getTf();
    // The reference: ESRGAN-slim's own tfjs layers model on tfjs-wasm, clipped and rounded as
    // UpscalerJS does (what the upscaler ran before the ONNX translation).
    const reference = async (img: RawImage, factor: 2 | 4): Promise<Buffer> => {
      const model = await tf.loadLayersModel('file://' + esrganSlimModel(factor));
      const out = tf.tidy(() =>
        (model.predict(tf.tensor4d(Float32Array.from(img.data), [1, img.height, img.width, 3])) as ReturnType<typeof tf.zeros>).clipByValue(0, 255).round(),
      );
      const px = Buffer.from(Uint8Array.from(out.dataSync()));
      out.dispose();
      model.dispose();
      return px;
    };
    const wire = (img: RawImage) => ({ data: new Uint8Array(img.data), width: img.width, height: img.height, channels: 3 as const });
    const close = (a: Buffer, b: Buffer) => {
      expect(b.length).toBe(a.length);
      let max = 0;
      for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
      expect(meanAbsDiff(a, b)).toBeLessThan(0.01);
      expect(max).toBeLessThanOrEqual(1);
    };
    // 2x: 300 px wide, so the shipped grid has two tiles; cut much finer too, so that cores have
    // context on all four sides. The context covers the network's reach: same numbers up to float rounding.
    const photo = await loadRgb(samplePhoto(4), 300);
    const ref2 = await reference(photo, 2);
    const shipped = await upscale(wire(photo), 2);
    expect([shipped.width, shipped.height]).toEqual([photo.width * 2, photo.height * 2]);
    close(ref2, Buffer.from(shipped.data));
    close(ref2, Buffer.from(await upscaleRgb(wire(photo), 2, { cols: 1, rows: 1 })));
    close(ref2, Buffer.from(await upscaleRgb(wire(photo), 2, { cols: 4, rows: 3 })));
    // 4x, another photo.
    const small = await loadRgb(samplePhoto(2), 96);
    close(await reference(small, 4), Buffer.from(await upscaleRgb(wire(small), 4, { cols: 2, rows: 2 })));
  });

  it("the WebAssembly fallback (RETOUCH_ONNX_RUNTIME=web) gives the native runtime's upscale", async () => {
    const img = await loadRgb(samplePhoto(4), 120);
    const native = await ml.upscale(img, 2, signal);
    expect(ml.onnxRuntime).toMatch(/^onnxruntime-node 1\./);
    const told: string[] = []; // what the service logs (local-engine.ts)
    const webMl = new MlWorkerClient({ workerData: { onnxRuntime: 'web' }, onOnnxRuntime: (d) => told.push(d) });
    try {
      const web = await webMl.upscale(img, 2, signal);
      await webMl.detectText(img, signal);
      expect(webMl.onnxRuntime).toMatch(/^onnxruntime-web 1\..*RETOUCH_ONNX_RUNTIME=web/);
      expect(told).toEqual([webMl.onnxRuntime]); // once, not per request
      expect([web.width, web.height]).toEqual([native.width, native.height]);
      let max = 0;
      for (let i = 0; i < web.data.length; i++) max = Math.max(max, Math.abs(web.data[i]! - native.data[i]!));
      expect(max).toBeLessThanOrEqual(1);
    } finally {
      await webMl.close();
    }
  });

  it('upscale rejects inputs above the cap with an EditError', async () => {
    const big: RawImage = { data: Buffer.alloc(1100 * 8 * 3), width: 1100, height: 8, channels: 3 };
    await expect(ml.upscale(big, 2, signal)).rejects.toMatchObject({ name: 'EditError', code: 'InvalidParameter' });
  });

  it('detectText finds rendered text; inpainting those boxes brings the image back towards the original', async () => {
    const base = await loadRgb(samplePhoto(2), 512);
    const { width: W, height: H } = base;
    const lines = [
      { text: 'Hello World', left: 30, top: 40, colour: '#ffffff' },
      { text: 'SAMPLE 2024', left: 60, top: H - 90, colour: '#ffff00' },
    ];
    const layers = await Promise.all(lines.map(async (l) => ({ input: await renderText(l.text, 40, l.colour), left: l.left, top: l.top })));
    const withText = await sharp(base.data, { raw: { width: W, height: H, channels: 3 } })
      .composite(layers)
      .removeAlpha()
      .raw()
      .toBuffer();
    const img: RawImage = { data: withText, width: W, height: H, channels: 3 };
    const boxes = await ml.detectText(img, signal);
    expect(boxes.length).toBeGreaterThanOrEqual(2);
    for (const l of lines) {
      const meta = await sharp(layers[lines.indexOf(l)]!.input).metadata();
      const cx = l.left + (meta.width ?? 0) / 2;
      const cy = l.top + (meta.height ?? 0) / 2;
      expect(boxes.some((b) => cx >= b.x && cx <= b.x + b.width && cy >= b.y && cy <= b.y + b.height)).toBe(true);
    }
    const mask = Buffer.alloc(W * H);
    for (const b of boxes) for (let y = b.y; y < b.y + b.height; y++) mask.fill(255, y * W + b.x, y * W + b.x + b.width);
    const fixed = await ml.inpaint(img, mask, signal);
    expect([fixed.width, fixed.height, fixed.channels]).toEqual([W, H, 3]);
    // untouched outside the mask
    for (let i = 0; i < W * H; i += 97) if (mask[i] === 0) expect(fixed.data[i * 3]).toBe(withText[i * 3]);
    expect(meanAbsDiff(fixed.data, base.data)).toBeLessThan(meanAbsDiff(withText, base.data) * 0.9);
  });

  it('inpaint keeps alpha and does nothing with an empty mask', async () => {
    const data = Buffer.alloc(32 * 32 * 4, 200);
    const out = await ml.inpaint({ data, width: 32, height: 32, channels: 4 }, Buffer.alloc(32 * 32), signal);
    expect(out.data.equals(data)).toBe(true);
  });
});
