/**
 * COMPOSITION TESTS with a FAKE MlModels: they check how the engine composes model outputs
 * (matte → alpha / background, boxes → regions, mask → inpaint), not the models. The real-model
 * tests live with the ML module (src/engines/local/ml).
 */
import sharp from 'sharp';
import { describe, expect, it, vi } from 'vitest';
import { EditError, type EditRequest } from '../../../src/engines/engine.js';
import { createLocalEngine } from '../../../src/engines/local/local-engine.js';
import type { Box, MlModels, RawImage } from '../../../src/engines/local/ml/index.js';
import { BLUE, checkerboard, decodePng, energy, fill, pixel, png, quadrants } from './helpers.js';

/** Subject = left half; one face box and one text box at fixed places; upscale = nearest. */
function fakeModels(): MlModels & { masks: Buffer[] } {
  const masks: Buffer[] = [];
  return {
    masks,
    async segmentForeground(image: RawImage) {
      const m = Buffer.alloc(image.width * image.height);
      for (let y = 0; y < image.height; y += 1) m.fill(255, y * image.width, y * image.width + Math.floor(image.width / 2));
      return m;
    },
    async detectFaces(): Promise<Box[]> {
      return [{ x: 10, y: 10, width: 30, height: 30, score: 0.9 }];
    },
    async upscale(image: RawImage, factor: 2 | 4) {
      const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } })
        .resize(image.width * factor, image.height * factor, { kernel: 'nearest' })
        .raw()
        .toBuffer({ resolveWithObject: true });
      return { data, width: info.width, height: info.height, channels: info.channels as 3 | 4 };
    },
    async detectText(): Promise<Box[]> {
      return [{ x: 50, y: 20, width: 20, height: 10, score: 0.8 }];
    },
    async inpaint(image: RawImage, mask: Buffer) {
      masks.push(Buffer.from(mask));
      const data = Buffer.from(image.data);
      for (let i = 0; i < mask.length; i += 1) if (mask[i] === 255) data.fill(0, i * image.channels, i * image.channels + 3);
      return { ...image, data };
    },
    close: vi.fn(async () => {}),
  };
}

async function edit(prompt: string, images: Buffer[], ml: MlModels, extra: Partial<EditRequest> = {}) {
  const engine = createLocalEngine({ ml });
  const src = await decodePng(images[0] as Buffer);
  const result = await engine.edit({
    images,
    prompt,
    negativePrompt: '',
    index: 0,
    seed: 1,
    size: { width: src.width, height: src.height },
    promptExtend: true,
    watermark: false,
    signal: new AbortController().signal,
    ...extra,
  });
  return { result, out: await decodePng(result.png), engine };
}

describe('ML composition (fake models)', () => {
  it('remove background → PNG with alpha: subject opaque, background transparent', async () => {
    const { out } = await edit('remove the background', [await png(quadrants(100, 60))], fakeModels());
    expect(out.channels).toBe(4);
    expect(pixel(out, 10, 10)[3]).toBe(255);
    expect(pixel(out, 90, 10)[3]).toBe(0);
  });

  it('alpha survives later colour steps and the final resize', async () => {
    const { out } = await edit('remove the background, then make it brighter', [await png(quadrants(100, 60))], fakeModels(), {
      size: { width: 200, height: 120 },
    });
    expect(out.channels).toBe(4);
    expect(pixel(out, 190, 60)[3]).toBe(0);
    expect(pixel(out, 20, 60)[3]).toBe(255);
  });

  it('replace background with a colour: subject kept, background the colour', async () => {
    const src = quadrants(100, 60);
    const { out } = await edit('replace the background with blue', [await png(src)], fakeModels());
    expect(out.channels).toBe(3);
    expect(pixel(out, 10, 10)).toEqual(pixel(src, 10, 10));
    expect(pixel(out, 90, 10)).toEqual([0, 80, 255]);
  });

  it('replace background with image 2', async () => {
    const src = quadrants(100, 60);
    const { out } = await edit('use image 2 as the background', [await png(src), await png(fill(50, 50, () => BLUE))], fakeModels());
    expect(pixel(out, 90, 10)).toEqual([...BLUE]);
    expect(pixel(out, 10, 10)).toEqual(pixel(src, 10, 10));
  });

  it('portrait mode: subject sharp, background blurred', async () => {
    const src = checkerboard(200, 100, 4);
    const { out } = await edit('blur the background', [await png(src)], fakeModels());
    const subject = { left: 5, top: 5, width: 80, height: 90 };
    const background = { left: 115, top: 5, width: 80, height: 90 };
    expect(energy(out, subject)).toBeCloseTo(energy(src, subject), 0);
    expect(energy(out, background)).toBeLessThan(energy(src, background) * 0.3);
  });

  it('colour splash: subject keeps its colours, background turns grey', async () => {
    const src = quadrants(100, 60);
    const { out } = await edit('make the background black and white', [await png(src)], fakeModels());
    expect(pixel(out, 10, 10)).toEqual(pixel(src, 10, 10));
    const [r, g, b] = pixel(out, 90, 10) as [number, number, number];
    expect(r).toBe(g);
    expect(g).toBe(b);
  });

  it('upscale: size multiplied before the final fit; wrong model output is an error', async () => {
    const { out } = await edit('upscale 2x', [await png(quadrants(100, 60))], fakeModels(), { size: undefined });
    expect(out.width / out.height).toBeCloseTo(100 / 60, 1);
    const bad = { ...fakeModels(), upscale: async (i: RawImage) => i };
    await expect(edit('upscale', [await png(quadrants(100, 60))], bad)).rejects.toThrow(/upscale returned/);
  });

  it('blur faces: the face box loses detail, the rest is untouched', async () => {
    const src = checkerboard(120, 80, 3);
    const { out } = await edit('blur the faces', [await png(src)], fakeModels());
    expect(energy(out, { left: 15, top: 15, width: 20, height: 20 })).toBeLessThan(energy(src, { left: 15, top: 15, width: 20, height: 20 }) * 0.4);
    expect(energy(out, { left: 60, top: 50, width: 50, height: 25 })).toBeCloseTo(energy(src, { left: 60, top: 50, width: 50, height: 25 }), 5);
  });

  it('pixelate faces: blocks inside the face box', async () => {
    const src = checkerboard(120, 80, 1);
    const { out } = await edit('pixelate all faces', [await png(src)], fakeModels());
    expect(energy(out, { left: 12, top: 12, width: 26, height: 26 })).toBeLessThan(energy(src, { left: 12, top: 12, width: 26, height: 26 }) * 0.5);
  });

  it('remove text: the mask covers the (grown) text box and the inpainted pixels come back', async () => {
    const ml = fakeModels();
    const src = fill(100, 60, () => [200, 200, 200]);
    const { out } = await edit('remove the watermark', [await png(src)], ml);
    const mask = ml.masks[0] as Buffer;
    expect(mask[25 * 100 + 60]).toBe(255);
    expect(mask[55 * 100 + 5]).toBe(0);
    expect(pixel(out, 60, 25)).toEqual([0, 0, 0]);
    expect(pixel(out, 5, 55)).toEqual([200, 200, 200]);
  });

  it('cut out the subject of image 2 onto image 1: result has image 1 size, subject at the bottom centre', async () => {
    const subject = fill(80, 80, (x) => (x < 40 ? [250, 0, 0] : [0, 250, 0]));
    const { out } = await edit(
      'cut out the person in image 2 and put it on image 1',
      [await png(fill(200, 100, () => BLUE)), await png(subject)],
      fakeModels(),
    );
    expect([out.width, out.height]).toEqual([200, 100]);
    expect(pixel(out, 5, 5)).toEqual([...BLUE]);
    expect(pixel(out, 80, 95)[0]).toBeGreaterThan(200);
    expect(pixel(out, 120, 95)).toEqual([...BLUE]);
  });

  it('models that cannot load give a clear InvalidParameter; engine.close() closes loaded models', async () => {
    const engine = createLocalEngine({ ml: async () => Promise.reject(new Error('no weights')) });
    const request: EditRequest = {
      images: [await png(quadrants(40, 40))],
      prompt: 'remove the background',
      negativePrompt: '',
      index: 0,
      seed: 1,
      size: undefined,
      promptExtend: false,
      watermark: false,
      signal: new AbortController().signal,
    };
    await expect(engine.edit(request)).rejects.toSatisfy(
      (e: unknown) => e instanceof EditError && e.code === 'InvalidParameter' && /ML models/.test(e.message),
    );
    const ml = fakeModels();
    const { engine: used } = await edit('remove the background', [await png(quadrants(40, 40))], ml);
    await used.close?.();
    expect(ml.close).toHaveBeenCalledOnce();
  });
});

describe('ML composition with image references (fake models)', () => {
  it('remove the background of image 2, then place it on image 1: the cut-out keeps image 1 visible around it', async () => {
    const base = fill(200, 100, () => BLUE);
    const second = fill(80, 80, () => [250, 250, 0]);
    const { out, result } = await edit(
      'remove the background of image 2, then put image 2 in the centre at 40%',
      [await png(base), await png(second)],
      fakeModels(),
    );
    expect(out.channels).toBe(3);
    // Left half of image 2 is its subject (yellow), right half was removed (image 1 shows through).
    expect(pixel(out, 100 - 20 + 5, 50)).toEqual([250, 250, 0]);
    expect(pixel(out, 100 + 20 - 5, 50)).toEqual([...BLUE]);
    expect(result.actualPrompt).toContain('On image 2: Remove the background');
  });
});

describe('ML steps take turns', () => {
  it('concurrent edits run their ML steps one at a time in a process, and every edit completes', async () => {
    let inside = 0;
    let most = 0;
    const models = fakeModels();
    const slow: MlModels = {
      ...models,
      async segmentForeground(image: RawImage, signal: AbortSignal) {
        inside += 1;
        most = Math.max(most, inside);
        await new Promise((r) => setTimeout(r, 20));
        inside -= 1;
        return models.segmentForeground(image, signal);
      },
    };
    const engine = createLocalEngine({ ml: slow });
    const input = await png(quadrants(120, 80));
    const edit = (prompt: string) =>
      engine.edit({
        images: [input],
        prompt,
        negativePrompt: '',
        index: 0,
        seed: 1,
        size: undefined,
        promptExtend: false,
        watermark: false,
        signal: new AbortController().signal,
      });
    const results = await Promise.all(['remove the background', 'blur the background', 'remove the background', 'make the background white'].map(edit));
    expect(most).toBe(1);
    expect(results).toHaveLength(4);
    for (const r of results) expect((await sharp(r.png).metadata()).format).toBe('png');
  });
});
