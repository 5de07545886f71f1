/** Tone, colour and filter steps: properties of the real output pixels. */
import { describe, expect, it } from 'vitest';
import type { Operation } from '../../../src/engines/local/plan.js';
import { applyOperation } from '../../../src/engines/local/steps/index.js';
import { materialise } from '../../../src/engines/local/pipeline.js';
import type { Img } from '../../../src/engines/local/image.js';
import { checkerboard, context, energy, fill, gradient, luma, mean, pixel, quadrants, spread, type Rgb } from './helpers.js';

const run = async (img: Img, op: Operation, seed = 1) => materialise(await applyOperation(img, op, context([img], { seed })));
const sat = (p: number[]) => Math.max(...p.slice(0, 3)) - Math.min(...p.slice(0, 3));

describe('tone and colour steps', () => {
  it('grayscale: R = G = B everywhere', async () => {
    const out = await run(quadrants(), { op: 'grayscale' });
    expect(out.channels).toBe(3);
    for (let i = 0; i < out.data.length; i += 3) {
      expect(out.data[i]).toBe(out.data[i + 1]);
      expect(out.data[i + 1]).toBe(out.data[i + 2]);
    }
  });

  it('sepia: R > G > B on average', async () => {
    const out = await run(gradient(), { op: 'sepia', strength: 1 });
    expect(mean(out, 0)).toBeGreaterThan(mean(out, 1));
    expect(mean(out, 1)).toBeGreaterThan(mean(out, 2));
  });

  it('invert: every value is 255 − the original', async () => {
    const src = gradient();
    const out = await run(src, { op: 'invert' });
    for (let i = 0; i < src.data.length; i += 1) expect(out.data[i]).toBe(255 - (src.data[i] as number));
  });

  it('brightness: up raises mean luminance, down lowers it', async () => {
    const src = gradient();
    expect(luma(await run(src, { op: 'brightness', factor: 1.2 }))).toBeGreaterThan(luma(src) + 5);
    expect(luma(await run(src, { op: 'brightness', factor: 0.8 }))).toBeLessThan(luma(src) - 5);
  });

  it('contrast: more contrast spreads the tones, less narrows them', async () => {
    const src = gradient();
    expect(spread(await run(src, { op: 'contrast', factor: 1.5 }))).toBeGreaterThan(spread(src) * 1.2);
    expect(spread(await run(src, { op: 'contrast', factor: 0.5 }))).toBeLessThan(spread(src) * 0.7);
  });

  it('saturation: up widens channel differences, down narrows them', async () => {
    const src = quadrants();
    const p = pixel(src, 5, 5);
    expect(sat(pixel(await run(src, { op: 'saturation', factor: 0.3 }), 5, 5))).toBeLessThan(sat(p) * 0.5);
    const dull = fill(40, 40, () => [150, 120, 110]);
    expect(sat(pixel(await run(dull, { op: 'saturation', factor: 2 }), 5, 5))).toBeGreaterThan(sat(pixel(dull, 5, 5)) * 1.5);
  });

  it('hue: 180° turns red into a cyan-ish colour', async () => {
    const [r, g, b] = pixel(await run(quadrants(), { op: 'hue', degrees: 180 }), 5, 5) as Rgb;
    expect(g).toBeGreaterThan(r);
    expect(b).toBeGreaterThan(r);
  });

  it('temperature: warmer raises R−B, cooler lowers it', async () => {
    const src = gradient();
    const rb = (img: typeof src) => mean(img, 0) - mean(img, 2);
    expect(rb(await run(src, { op: 'temperature', amount: 0.3 }))).toBeGreaterThan(rb(src) + 10);
    expect(rb(await run(src, { op: 'temperature', amount: -0.3 }))).toBeLessThan(rb(src) - 10);
  });

  it('tint: a blue tint raises the blue share of a neutral image', async () => {
    const grey = fill(40, 40, (x) => [100 + x, 100 + x, 100 + x]);
    const out = await run(grey, { op: 'tint', colour: { rgb: [0, 80, 255], en: 'blue', zh: '蓝色' }, strength: 0.5 });
    expect(mean(out, 2)).toBeGreaterThan(mean(out, 0) + 30);
    expect(luma(out)).toBeGreaterThan(luma(grey) * 0.6);
  });

  it('autoEnhance: stretches a low-contrast image', async () => {
    const flat = fill(60, 40, (x, y) => [100 + (x % 50), 110 + (y % 30), 120]);
    const out = await run(flat, { op: 'autoEnhance' });
    expect(spread(out)).toBeGreaterThan(spread(flat) * 1.5);
  });

  it('posterize: only `levels` distinct values per channel', async () => {
    const out = await run(gradient(), { op: 'posterize', levels: 3 });
    expect(new Set(out.data).size).toBeLessThanOrEqual(3);
    expect([...new Set(out.data)].every((v) => [0, 128, 255].includes(v))).toBe(true);
  });

  it('vignette: corners darker, centre almost unchanged', async () => {
    const src = fill(120, 80, () => [200, 200, 200]);
    const out = await run(src, { op: 'vignette', strength: 0.6 });
    expect(pixel(out, 1, 1)[0] as number).toBeLessThan(140);
    expect(pixel(out, 60, 40)[0] as number).toBeGreaterThan(190);
  });

  it('vignette: the centre untouched, symmetric corners, darker steadily towards them', async () => {
    const src = fill(120, 80, () => [200, 160, 40]);
    const out = await run(src, { op: 'vignette', strength: 0.6 });
    expect(pixel(out, 60, 40)).toEqual([200, 160, 40]);
    expect(pixel(out, 119, 0)).toEqual(pixel(out, 0, 0));
    expect(pixel(out, 0, 79)).toEqual(pixel(out, 0, 0));
    expect(pixel(out, 119, 79)).toEqual(pixel(out, 0, 0));
    const diagonal = Array.from({ length: 10 }, (_, i) => pixel(out, 60 - i * 6, 40 - i * 4)[0] as number);
    for (let i = 1; i < diagonal.length; i += 1) expect(diagonal[i]).toBeLessThanOrEqual(diagonal[i - 1] as number);
    // About 1 − 0.6 in the corner, the same factor on every channel (hues stay).
    const corner = pixel(out, 0, 0);
    expect(corner[0]! / 200).toBeCloseTo(0.4, 1);
    expect(corner[1]! / 160).toBeCloseTo(corner[0]! / 200, 1);
  });

  it('grain: seeded noise around the same mean; same seed same pixels, next seed different', async () => {
    const src = fill(80, 60, () => [128, 128, 128]);
    const a = await run(src, { op: 'grain', amount: 0.3 }, 7);
    const b = await run(src, { op: 'grain', amount: 0.3 }, 7);
    const c = await run(src, { op: 'grain', amount: 0.3 }, 8);
    expect(a.data.equals(b.data)).toBe(true);
    expect(a.data.equals(c.data)).toBe(false);
    expect(Math.abs(luma(a) - 128)).toBeLessThan(2);
    expect(spread(a)).toBeGreaterThan(3);
  });
});

describe('filter steps', () => {
  it('blur: high-frequency energy drops', async () => {
    const src = checkerboard();
    const out = await run(src, { op: 'blur', strength: 1, sigma: 3 });
    expect(energy(out)).toBeLessThan(energy(src) * 0.3);
  });

  it('sharpen: a soft image gains edge energy', async () => {
    const soft = await run(checkerboard(96, 64, 8), { op: 'blur', strength: 1, sigma: 1.5 });
    expect(energy(await run(soft, { op: 'sharpen', strength: 2 }))).toBeGreaterThan(energy(soft) * 1.1);
  });

  it('denoise: isolated speckles on a flat image disappear', async () => {
    const noisy = fill(60, 60, (x, y) => ((x * 7 + y * 13) % 37 === 0 ? [255, 255, 255] : [100, 100, 100]));
    const out = await run(noisy, { op: 'denoise', strength: 1 });
    const speckles = (img: typeof noisy) => {
      let n = 0;
      for (let i = 0; i < img.data.length; i += 3) if ((img.data[i] as number) > 200) n += 1;
      return n;
    };
    expect(speckles(noisy)).toBeGreaterThan(50);
    expect(speckles(out)).toBe(0);
  });

  it('pixelate: pixels inside a block are identical', async () => {
    const out = await run(gradient(120, 80), { op: 'pixelate', block: 0.1 });
    expect(out.width).toBe(120);
    expect(pixel(out, 0, 0)).toEqual(pixel(out, 7, 7));
    expect(pixel(out, 0, 0)).not.toEqual(pixel(out, 119, 79));
  });

  it('sketch: grey, mostly paper-white, darker strokes at edges', async () => {
    const out = await run(quadrants(160, 120), { op: 'sketch' });
    const p = pixel(out, 20, 20);
    expect(p[0]).toBe(p[1]);
    expect(luma(out)).toBeGreaterThan(170);
    const stroke = Math.min(...Array.from({ length: 20 }, (_, i) => pixel(out, 70 + i, 20)[0] as number));
    expect(stroke).toBeLessThan((pixel(out, 20, 20)[0] as number) - 20);
  });

  it('cartoon: few colours and dark outlines at region borders', async () => {
    const src = quadrants(160, 120);
    const out = await run(src, { op: 'cartoon' });
    const outline = Math.min(...Array.from({ length: 12 }, (_, i) => (pixel(out, 74 + i, 30)[0] as number) + (pixel(out, 74 + i, 30)[1] as number)));
    expect(outline).toBeLessThan(100);
    expect(Math.abs((pixel(out, 20, 20)[0] as number) - (pixel(src, 20, 20)[0] as number))).toBeLessThan(60);
  });

  it('emboss: grey relief, flat areas mid-grey, edges bright or dark', async () => {
    const out = await run(quadrants(), { op: 'emboss' });
    const p = pixel(out, 30, 20);
    expect(p[0]).toBe(p[1]);
    expect(energy(out)).toBeGreaterThan(0);
  });
});
