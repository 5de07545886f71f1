/**
 * Chained steps (pipeline.ts): a plan whose steps libvips can chain runs as one pipeline and gives
 * the pixels the same steps give one by one, materialised after each; the PNG settings change the
 * file, never the pixels.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { runPlan } from '../../../src/engines/local/execute.js';
import type { Img } from '../../../src/engines/local/image.js';
import { createLocalEngine } from '../../../src/engines/local/local-engine.js';
import { NO_HINTS } from '../../../src/engines/local/negative.js';
import { parseInstruction } from '../../../src/engines/local/parser/index.js';
import { isPending, materialise } from '../../../src/engines/local/pipeline.js';
import { applyOperation } from '../../../src/engines/local/steps/index.js';
import { context, decodePng, fill, png } from './helpers.js';

const signal = new AbortController().signal;
const options = { seed: 3, signal, hints: NO_HINTS, ml: async () => Promise.reject(new Error('no ML in this test')) };

/** A photo-like test image: smooth gradients, a bright patch (near-white, where clipping shows), fine texture. */
const scene = (w = 160, h = 120): Img =>
  fill(w, h, (x, y) => {
    if (x > w * 0.6 && y < h * 0.35) return [250, 246, 240];
    const t = ((x * 7 + y * 13) % 17) * 3;
    return [Math.min(255, 40 + x + t), Math.min(255, 30 + y * 1.5), Math.min(255, 90 + ((x * y) % 60))];
  });

/** Each operation run on pixels, materialised after every step (the engine before chaining). */
async function stepByStep(prompt: string, img: Img): Promise<Img> {
  let current = img;
  for (const op of parseInstruction(prompt).operations) current = await materialise(await applyOperation(current, op, context([current])));
  return current;
}

function maxDiff(a: Img, b: Img): number {
  expect([a.width, a.height, a.channels]).toEqual([b.width, b.height, b.channels]);
  let max = 0;
  for (let i = 0; i < a.data.length; i += 1) max = Math.max(max, Math.abs((a.data[i] as number) - (b.data[i] as number)));
  return max;
}

describe('chained steps', () => {
  const plans = [
    // Geometry then colour, each in its own libvips stage: one pipeline with the decode.
    'crop the centre 50%, then rotate 90 degrees, then add a 6px white border, then blur radius 2, then more contrast, then invert',
    'flip horizontally, then rotate 180 degrees, then denoise, then more saturated',
    'scale to 50%, then extend the canvas by 20% with white, then warmer',
    'crop to a square, then auto enhance',
  ];
  for (const prompt of plans) {
    it(`"${prompt}" runs as one pipeline and matches the steps one by one`, async () => {
      const src = scene();
      const chained = await runPlan(parseInstruction(prompt), [await png(src)], options);
      expect(isPending(chained)).toBe(true);
      expect(maxDiff(await materialise(chained), await stepByStep(prompt, src))).toBeLessThanOrEqual(1);
    });
  }

  // Orders sharp cannot keep in one pipeline, and steps whose results are not clipped 8-bit
  // (recomb, sharpen, composite): these materialise, so the result is still the step-by-step one.
  const split = [
    'sepia, then darker', // recomb's unclipped whites must be clipped before darkening
    'make it black and white, then invert',
    'rotate 90 degrees, then flip vertically', // sharp flips before it rotates
    'flip horizontally, then crop the left half', // sharp extracts before it flips
    'more contrast, then crop the centre 50%', // colour before geometry
    'sharpen, then brighter',
    'add text "Hi" at the bottom, then blur',
    'brighter, then more saturated', // one modulate each
  ];
  for (const prompt of split) {
    it(`"${prompt}" gives the step-by-step pixels`, async () => {
      const src = scene();
      const chained = await materialise(await runPlan(parseInstruction(prompt), [await png(src)], options));
      expect(maxDiff(chained, await stepByStep(prompt, src))).toBeLessThanOrEqual(1);
    });
  }

  it('a colour border on an opaque image stays 3-channel (no alpha band added by the pipeline)', async () => {
    const engine = createLocalEngine();
    const out = await engine.edit({
      images: [await png(scene())],
      prompt: 'add a 10px red border',
      negativePrompt: '',
      index: 0,
      seed: 1,
      size: undefined,
      promptExtend: false,
      watermark: false,
      signal,
    });
    expect((await sharp(out.png).metadata()).channels).toBe(3);
  });

  it('inputs that are not plain sRGB (grey, alpha, EXIF-rotated) are decoded to RGB pixels first and still edited', async () => {
    const grey = await sharp(await png(scene()))
      .greyscale()
      .png()
      .toBuffer();
    const rotated = await sharp(await png(scene()))
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const out1 = await materialise(await runPlan(parseInstruction('invert'), [grey], options));
    expect(out1.channels).toBe(3);
    const out2 = await materialise(await runPlan(parseInstruction('crop to a square'), [rotated], options));
    // Orientation 6 turns the 160×120 image into 120×160 before the crop.
    expect([out2.width, out2.height]).toEqual([120, 120]);
  });
});

describe('PNG settings', () => {
  it('the compression level changes the file size, not the pixels', async () => {
    const input = await png(scene(320, 240));
    const edit = (level: number) =>
      createLocalEngine({ png: { compressionLevel: level, adaptiveFiltering: false } }).edit({
        images: [input],
        prompt: 'warmer',
        negativePrompt: '',
        index: 0,
        seed: 1,
        size: { width: 320, height: 240 },
        promptExtend: false,
        watermark: false,
        signal,
      });
    const [fast, small] = await Promise.all([edit(0), edit(9)]);
    expect(small.png.length).toBeLessThan(fast.png.length);
    expect(maxDiff(await decodePng(fast.png), await decodePng(small.png))).toBe(0);
  });
});
