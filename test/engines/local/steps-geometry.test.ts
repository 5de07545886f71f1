/** Geometry steps: sizes and where known pixels end up. */
import { describe, expect, it } from 'vitest';
import { EditError } from '../../../src/engines/engine.js';
import type { Img } from '../../../src/engines/local/image.js';
import type { Operation } from '../../../src/engines/local/plan.js';
import { applyOperation } from '../../../src/engines/local/steps/index.js';
import { materialise } from '../../../src/engines/local/pipeline.js';
import { BLUE, GREEN, RED, YELLOW, context, fill, gradient, pixel, quadrants } from './helpers.js';

const run = async (img: Img, op: Operation, hints = {}) => materialise(await applyOperation(img, op, context([img], { hints })));
const near = (p: number[], q: readonly number[], tol = 6) => [0, 1, 2].every((c) => Math.abs((p[c] as number) - (q[c] as number)) <= tol);

describe('rotate', () => {
  it('90° clockwise swaps width and height and moves the top-left quadrant to the top-right', async () => {
    const out = await run(quadrants(120, 80), { op: 'rotate', degrees: 90 });
    expect([out.width, out.height]).toEqual([80, 120]);
    expect(near(pixel(out, 75, 5), RED)).toBe(true);
    expect(near(pixel(out, 5, 5), BLUE)).toBe(true);
  });

  it('90° counter-clockwise moves the top-left quadrant to the bottom-left', async () => {
    const out = await run(quadrants(120, 80), { op: 'rotate', degrees: -90 });
    expect([out.width, out.height]).toEqual([80, 120]);
    expect(near(pixel(out, 5, 115), RED)).toBe(true);
  });

  it('180° is exact: pixel (x, y) comes from (w−1−x, h−1−y)', async () => {
    const src = gradient(60, 40);
    const out = await run(src, { op: 'rotate', degrees: 180 });
    expect(pixel(out, 3, 7)).toEqual(pixel(src, 56, 32));
  });

  it('30° enlarges the canvas with black corners, or crops them away when the negative prompt forbids black borders', async () => {
    const src = fill(120, 80, () => [200, 200, 200]);
    const out = await run(src, { op: 'rotate', degrees: 30 });
    expect(out.width).toBeGreaterThan(120);
    expect(pixel(out, 0, 0)).toEqual([0, 0, 0]);
    const cropped = await run(src, { op: 'rotate', degrees: 30 }, { noBlackBorders: true });
    expect(cropped.width).toBeLessThan(120);
    for (const [x, y] of [
      [0, 0],
      [cropped.width - 1, 0],
      [0, cropped.height - 1],
      [cropped.width - 1, cropped.height - 1],
    ] as const) {
      expect(pixel(cropped, x, y)[0]).toBeGreaterThan(100);
    }
  });
});

describe('flip', () => {
  it('horizontal mirrors left and right', async () => {
    const src = gradient(60, 40);
    const out = await run(src, { op: 'flip', axis: 'horizontal' });
    expect(pixel(out, 0, 10)).toEqual(pixel(src, 59, 10));
    expect(pixel(out, 12, 3)).toEqual(pixel(src, 47, 3));
  });

  it('vertical turns it upside down', async () => {
    const src = gradient(60, 40);
    const out = await run(src, { op: 'flip', axis: 'vertical' });
    expect(pixel(out, 10, 0)).toEqual(pixel(src, 10, 39));
  });
});

describe('crop, trim, resize', () => {
  it('square crop: w = h = the shorter side, centred', async () => {
    const src = gradient(120, 80);
    const out = await run(src, { op: 'cropAspect', ratio: [1, 1] });
    expect([out.width, out.height]).toEqual([80, 80]);
    expect(pixel(out, 0, 0)).toEqual(pixel(src, 20, 0));
  });

  it('16:9 crop of a 4:3 image keeps the width', async () => {
    const out = await run(gradient(160, 120), { op: 'cropAspect', ratio: [16, 9] });
    expect([out.width, out.height]).toEqual([160, 90]);
  });

  it('centre crop keeps the central fraction', async () => {
    const src = gradient(120, 80);
    const out = await run(src, { op: 'cropCenter', fraction: 0.5 });
    expect([out.width, out.height]).toEqual([60, 40]);
    expect(pixel(out, 0, 0)).toEqual(pixel(src, 30, 20));
  });

  it('region crop keeps one half', async () => {
    const out = await run(quadrants(120, 80), { op: 'cropRegion', region: 'right-half' });
    expect([out.width, out.height]).toEqual([60, 80]);
    expect(near(pixel(out, 0, 0), GREEN)).toBe(true);
    expect(near(pixel(out, 59, 79), YELLOW)).toBe(true);
  });

  it('trim removes plain margins', async () => {
    const src = fill(100, 80, (x, y) => (x >= 20 && x < 70 && y >= 10 && y < 50 ? RED : [255, 255, 255]));
    const out = await run(src, { op: 'trim' });
    expect(Math.abs(out.width - 50)).toBeLessThanOrEqual(1);
    expect(Math.abs(out.height - 40)).toBeLessThanOrEqual(1);
    expect(
      await run(
        fill(30, 30, () => [9, 9, 9]),
        { op: 'trim' },
      ),
    ).toMatchObject({ width: 30, height: 30 });
  });

  it('resize by scale and to pixels; one side keeps the aspect ratio', async () => {
    const src = gradient(120, 80);
    expect(await run(src, { op: 'resize', scale: 0.5 })).toMatchObject({ width: 60, height: 40 });
    expect(await run(src, { op: 'resizeTo', width: 50, height: 50 })).toMatchObject({ width: 50, height: 50 });
    expect(await run(src, { op: 'resizeTo', width: 60, height: undefined })).toMatchObject({ width: 60, height: 40 });
  });

  it('resize to W×H stretches, unless the negative prompt forbids stretching (then it crops)', async () => {
    const src = gradient(120, 80);
    const stretched = await run(src, { op: 'resizeTo', width: 60, height: 20 });
    const covered = await run(src, { op: 'resizeTo', width: 60, height: 20 }, { noStretch: true });
    expect(pixel(stretched, 30, 0)[1]).toBeLessThan(10);
    expect(pixel(covered, 30, 0)[1]).toBeGreaterThan(40);
  });

  it('refuses sizes beyond the working limit', async () => {
    await expect(run(gradient(120, 80), { op: 'resize', scale: 100 })).rejects.toBeInstanceOf(EditError);
  });
});

describe('extend and border', () => {
  it('extends left and right with a colour; the original sits unchanged in the middle', async () => {
    const src = quadrants(120, 80);
    const out = await run(src, {
      op: 'extend',
      amount: 0.25,
      ratio: undefined,
      side: 'horizontal',
      fill: { kind: 'colour', colour: { rgb: [0, 0, 255], en: 'blue', zh: '蓝色' } },
    });
    expect([out.width, out.height]).toEqual([180, 80]);
    expect(pixel(out, 2, 40)).toEqual([0, 0, 255]);
    expect(pixel(out, 30 + 5, 5)).toEqual(pixel(src, 5, 5));
  });

  it('outpaints to 16:9 with an edge-aware (mirrored, softened) fill that continues the edge colours', async () => {
    const src = quadrants(120, 90);
    const out = await run(src, { op: 'extend', amount: undefined, ratio: [16, 9], side: 'all', fill: { kind: 'mirror' } });
    expect(out.width / out.height).toBeCloseTo(16 / 9, 1);
    expect(out.height).toBe(90);
    const left = (out.width - 120) / 2;
    expect(near(pixel(out, Math.floor(left / 2), 10), RED, 40)).toBe(true);
    expect(pixel(out, left + 5, 5)).toEqual(pixel(src, 5, 5));
  });

  it('blurred fill covers the new area with a soft copy', async () => {
    const out = await run(quadrants(120, 80), { op: 'extend', amount: 0.2, ratio: undefined, side: 'all', fill: { kind: 'blur' } });
    expect([out.width, out.height]).toEqual([168, 112]);
    expect(pixel(out, 0, 0)).not.toEqual([0, 0, 0]);
  });

  it('border: a frame of the colour and width asked for', async () => {
    const src = gradient(60, 40);
    const out = await run(src, { op: 'border', width: 5, pixels: true, colour: { rgb: [255, 0, 0], en: 'red', zh: '红色' } });
    expect([out.width, out.height]).toEqual([70, 50]);
    expect(pixel(out, 0, 0)).toEqual([255, 0, 0]);
    expect(pixel(out, 69, 25)).toEqual([255, 0, 0]);
    expect(pixel(out, 5, 5)).toEqual(pixel(src, 0, 0));
  });
});
