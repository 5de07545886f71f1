/** The operations added by issue 11, on real pixels: white balance, selective colour, edges, straighten, cartoon on a dark photo. */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { castScene, darkScene, sceneImage, tiltedScene } from '../../../scripts/lib/scene.js';
import type { Img } from '../../../src/engines/local/image.js';
import type { Operation } from '../../../src/engines/local/plan.js';
import { applyOperation } from '../../../src/engines/local/steps/index.js';
import { materialise } from '../../../src/engines/local/pipeline.js';
import { detectTilt } from '../../../src/engines/local/steps/straighten.js';
import { context, decodePng, fill, luma, mean, pixel } from './helpers.js';

const run = async (img: Img, op: Operation) => materialise(await applyOperation(img, op, context([img])));
const load = async (png: Buffer) => decodePng(await sharp(png).png().toBuffer());

describe('white balance (gray world)', () => {
  it('removes a yellow cast: the channel means come together', async () => {
    const img = await load(await castScene(400, 300));
    const out = await run(img, { op: 'whiteBalance' });
    const spread = (i: Img) => Math.max(mean(i, 0), mean(i, 1), mean(i, 2)) - Math.min(mean(i, 0), mean(i, 1), mean(i, 2));
    expect(spread(img)).toBeGreaterThan(40);
    expect(spread(out)).toBeLessThan(3);
  });

  it('leaves a neutral grey image as it is', async () => {
    const grey = fill(40, 30, () => [120, 120, 120]);
    expect((await run(grey, { op: 'whiteBalance' })).data.equals(grey.data)).toBe(true);
  });
});

describe('selective colour', () => {
  it('makes the greens more vivid and leaves reds and greys untouched', async () => {
    const img = fill(90, 10, (x) => (x < 30 ? [90, 140, 90] : x < 60 ? [180, 60, 60] : [128, 128, 128]));
    const out = await run(img, { op: 'selectiveColour', band: 'greens', factor: 1.6 });
    const chroma = (p: number[]) => Math.max(...p) - Math.min(...p);
    expect(chroma(pixel(out, 10, 5))).toBeGreaterThan(chroma(pixel(img, 10, 5)) * 1.4);
    expect(pixel(out, 40, 5)).toEqual(pixel(img, 40, 5));
    expect(pixel(out, 70, 5)).toEqual(pixel(img, 70, 5));
  });

  it('desaturates only the blues', async () => {
    const img = fill(20, 10, (x) => (x < 10 ? [40, 80, 200] : [200, 180, 40]));
    const out = await run(img, { op: 'selectiveColour', band: 'blues', factor: 0.4 });
    const chroma = (p: number[]) => Math.max(...p) - Math.min(...p);
    expect(chroma(pixel(out, 5, 5))).toBeLessThan(chroma(pixel(img, 5, 5)) * 0.5);
    expect(pixel(out, 15, 5)).toEqual(pixel(img, 15, 5));
  });

  it('the reds band wraps around 0°, with a soft edge outside it', async () => {
    // Hues 350° (inside), 23° (8° past the band's end: about half the effect), 40° (outside).
    const colours: [number, number, number][] = [
      [200, 60, 83],
      [200, 113, 60],
      [200, 153, 60],
    ];
    const img = fill(30, 4, (x) => colours[Math.floor(x / 10)]!);
    const out = await run(img, { op: 'selectiveColour', band: 'reds', factor: 0.5 });
    const chroma = (p: number[]) => Math.max(...p) - Math.min(...p);
    const ratio = (x: number) => chroma(pixel(out, x, 2)) / chroma(pixel(img, x, 2));
    expect(ratio(5)).toBeCloseTo(0.5, 1);
    expect(ratio(15)).toBeGreaterThan(0.65);
    expect(ratio(15)).toBeLessThan(0.85);
    expect(pixel(out, 25, 2)).toEqual(pixel(img, 25, 2));
    // The value (the maximum channel) stays.
    expect(Math.max(...pixel(out, 5, 2))).toBe(200);
  });
});

describe('edges / outline', () => {
  it('draws a dark line where a sharp edge is and leaves flat areas white', async () => {
    const img = fill(60, 40, (x) => (x < 30 ? [30, 30, 30] : [220, 220, 220]));
    const out = await run(img, { op: 'edges', lines: 'dark' });
    expect(pixel(out, 5, 20)).toEqual([255, 255, 255]);
    expect(pixel(out, 29, 20)[0]).toBeLessThan(60);
  });

  it('light lines on black when asked', async () => {
    const img = fill(60, 40, (x) => (x < 30 ? [30, 30, 30] : [220, 220, 220]));
    const out = await run(img, { op: 'edges', lines: 'light' });
    expect(pixel(out, 5, 20)).toEqual([0, 0, 0]);
    expect(pixel(out, 30, 20)[0]).toBeGreaterThan(200);
  });

  it('finds horizontal edges too, and draws nothing along the borders of a flat area', async () => {
    const img = fill(60, 40, (_x, y) => (y < 20 ? [200, 40, 40] : [20, 20, 120]));
    const out = await run(img, { op: 'edges', lines: 'dark' });
    expect(pixel(out, 30, 19)[0]).toBeLessThan(60);
    expect(pixel(out, 30, 20)[0]).toBeLessThan(60);
    // The image's own borders are no edge: corners and sides far from the step stay white.
    for (const [x, y] of [
      [0, 0],
      [59, 0],
      [0, 39],
      [59, 39],
      [0, 5],
      [59, 34],
    ] as const) {
      expect(pixel(out, x, y)).toEqual([255, 255, 255]);
    }
  });
});

describe('straighten', () => {
  it('finds the tilt of a crooked horizon', async () => {
    for (const tilt of [-7, 4]) {
      const img = await load(await tiltedScene(640, 480, tilt));
      expect(Math.abs((await detectTilt(img)) - tilt)).toBeLessThan(1);
    }
  });

  it('levels a crooked photo and crops the empty corners away', async () => {
    const img = await load(await tiltedScene(640, 480, 6));
    const out = await run(img, { op: 'straighten', degrees: undefined });
    expect(out.width).toBeLessThan(640);
    expect(Math.abs(await detectTilt(out))).toBeLessThan(1);
    // No filled corner: the corners are picture, not black.
    for (const [x, y] of [
      [0, 0],
      [out.width - 1, 0],
      [0, out.height - 1],
      [out.width - 1, out.height - 1],
    ] as const) {
      expect(Math.max(...pixel(out, x, y))).toBeGreaterThan(20);
    }
  });

  it('a level horizon is left as it is; an explicit angle rotates by it', async () => {
    const level = fill(400, 300, (_x, y) => (y < 150 ? [120, 170, 230] : [60, 110, 50]));
    const same = await run(level, { op: 'straighten', degrees: undefined });
    expect(same === level).toBe(true);
    const img = await load(await sceneImage(400, 300));
    const out = await run(img, { op: 'straighten', degrees: 3 });
    expect(out.width).toBeLessThan(400);
  });
});

describe('cartoon on a dark photo', () => {
  it('keeps visible colours instead of collapsing to black', async () => {
    const img = await load(await darkScene(400, 300));
    const out = await run(img, { op: 'cartoon' });
    expect(luma(img)).toBeLessThan(50);
    expect(luma(out)).toBeGreaterThan(2 * luma(img));
  });
});
