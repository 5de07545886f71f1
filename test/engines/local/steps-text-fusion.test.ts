/** Text (shipped fonts, Chinese included), watermark and multi-image steps. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fontFor, setupFonts } from '../../../src/engines/local/fonts.js';
import type { Img } from '../../../src/engines/local/image.js';
import type { Operation } from '../../../src/engines/local/plan.js';
import { applyOperation } from '../../../src/engines/local/steps/index.js';
import { materialise } from '../../../src/engines/local/pipeline.js';
import { applyWatermark } from '../../../src/engines/local/watermark.js';
import { BLUE, RED, changed, context, fill, gradient, pixel, quadrants } from './helpers.js';

const grey = () => fill(400, 300, () => [128, 128, 128]);
const run = async (img: Img, op: Operation, images: Img[] = [img], seed = 1) => materialise(await applyOperation(img, op, context(images, { seed })));
const WHITE = { rgb: [255, 255, 255] as const, en: 'white', zh: '白色' };
const near = (p: number[], q: readonly number[], tol = 10) => [0, 1, 2].every((c) => Math.abs((p[c] as number) - (q[c] as number)) <= tol);

describe('fonts', () => {
  it('come from npm packages only: fontconfig is pointed at a generated config listing just their folders', () => {
    const fonts = setupFonts();
    const conf = readFileSync(process.env.FONTCONFIG_FILE ?? '', 'utf8');
    const dirs = [...conf.matchAll(/<dir>([^<]+)<\/dir>/g)].map((m) => m[1]);
    expect(dirs).toHaveLength(2);
    expect(dirs.every((d) => d?.includes('node_modules'))).toBe(true);
    expect(fonts.cjk.file).toMatch(/NotoSansHans-Regular\.otf$/);
    expect(fontFor('你好', true).family).toBe('Noto Sans S Chinese Bold');
    expect(fontFor('Hello', true).file).toMatch(/DejaVuSans-Bold\.ttf$/);
  });
});

describe('text', () => {
  it('draws at the top: pixels change in the top band only', async () => {
    const src = grey();
    const out = await run(src, { op: 'text', text: 'Hello World', position: 'top', colour: WHITE, size: 0.1 });
    expect(changed(src, out, { left: 0, top: 0, width: 400, height: 80 })).toBeGreaterThan(300);
    expect(changed(src, out, { left: 0, top: 150, width: 400, height: 150 })).toBe(0);
  });

  it('draws Chinese text with the shipped CJK font (not tofu: many distinct strokes)', async () => {
    const src = grey();
    const out = await run(src, { op: 'text', text: '新年快乐', position: 'center', colour: { rgb: [255, 0, 0], en: 'red', zh: '红色' }, size: 0.12 });
    const band = { left: 0, top: 100, width: 400, height: 100 };
    expect(changed(src, out, band)).toBeGreaterThan(500);
    expect(changed(src, out, { left: 0, top: 0, width: 400, height: 60 })).toBe(0);
    // Red glyph pixels exist (the text colour is honoured).
    let reds = 0;
    for (let y = 100; y < 200; y += 1) for (let x = 0; x < 400; x += 1) if (near(pixel(out, x, y), [255, 0, 0], 40)) reds += 1;
    expect(reds).toBeGreaterThan(200);
  });

  it('a soft shadow in the contrasting colour keeps the text readable on its own colour', async () => {
    for (const [bg, colour, darker] of [
      [[255, 255, 255], WHITE, true],
      [[0, 0, 0], { rgb: [0, 0, 0] as const, en: 'black', zh: '黑色' }, false],
    ] as const) {
      const src = fill(400, 300, () => [...bg]);
      const out = await run(src, { op: 'text', text: 'Hello', position: 'center', colour, size: 0.12 });
      // Text of the background's own colour: only the shadow shows, darker (or lighter) than the background.
      let shadow = 0;
      let strongest = 0;
      for (let y = 0; y < 300; y += 1) {
        for (let x = 0; x < 400; x += 1) {
          const v = pixel(out, x, y)[0] as number;
          const d = darker ? bg[0] - v : v - bg[0];
          expect(d).toBeGreaterThanOrEqual(0);
          if (d > 20) shadow += 1;
          strongest = Math.max(strongest, d);
        }
      }
      expect(shadow).toBeGreaterThan(300);
      // At most 55 % of full contrast, and grey (R = G = B).
      expect(strongest).toBeLessThanOrEqual(Math.ceil(0.55 * 255) + 1);
      expect(strongest).toBeGreaterThan(80);
      const p = pixel(out, 200, 150);
      expect(p[0]).toBe(p[1]);
    }
  });

  it('corner positions land in their corner', async () => {
    const src = grey();
    const out = await run(src, { op: 'text', text: 'v1.0', position: 'bottom-left', colour: WHITE, size: 0.08 });
    expect(changed(src, out, { left: 0, top: 220, width: 200, height: 80 })).toBeGreaterThan(50);
    expect(changed(src, out, { left: 200, top: 0, width: 200, height: 300 })).toBe(0);
  });

  it('long text wraps and shrinks to stay inside the image', async () => {
    const src = grey();
    const out = await run(src, { op: 'text', text: 'a very long caption '.repeat(20), position: 'center', colour: WHITE, size: 0.16 });
    expect([out.width, out.height]).toEqual([400, 300]);
  });

  it('watermark: "AI生成" in the bottom-right corner only', async () => {
    const src = grey();
    const out = await applyWatermark(src);
    expect(changed(src, out, { left: 300, top: 260, width: 100, height: 40 })).toBeGreaterThan(30);
    expect(changed(src, out, { left: 0, top: 0, width: 280, height: 300 })).toBe(0);
  });
});

describe('multi-image', () => {
  const blue = fill(60, 60, () => BLUE);

  it('overlay: image 2 in the top-right corner, the rest untouched', async () => {
    const base = quadrants(200, 100);
    const out = await run(base, { op: 'overlay', source: 2, onto: undefined, position: 'top-right', scale: 0.3 }, [base, blue]);
    expect([out.width, out.height]).toEqual([200, 100]);
    expect(near(pixel(out, 200 - 3 - 30, 3 + 30), BLUE)).toBe(true);
    expect(pixel(out, 10, 90)).toEqual(pixel(base, 10, 90));
  });

  it('overlay onto another image: image 1 placed onto image 2', async () => {
    const base = quadrants(200, 100);
    const out = await run(base, { op: 'overlay', source: 1, onto: 2, position: 'center', scale: 0.5 }, [base, blue]);
    expect([out.width, out.height]).toEqual([60, 60]);
    expect(near(pixel(out, 2, 2), BLUE)).toBe(true);
  });

  it('side by side: common height, image 1 on the left, image 2 on the right', async () => {
    const a = fill(100, 50, () => RED);
    const out = await run(a, { op: 'collage', layout: 'horizontal', images: [1, 2], scatter: false }, [a, blue]);
    expect([out.width, out.height]).toEqual([150, 50]);
    expect(near(pixel(out, 10, 10), RED)).toBe(true);
    expect(near(pixel(out, 140, 10), BLUE)).toBe(true);
  });

  it('vertical stack and grid of three', async () => {
    const a = fill(100, 50, () => RED);
    const v = await run(a, { op: 'collage', layout: 'vertical', images: [], scatter: false }, [a, blue]);
    expect([v.width, v.height]).toEqual([60, 90]);
    const g = await run(a, { op: 'collage', layout: 'grid', images: [], scatter: false }, [a, blue, gradient(80, 80)]);
    expect(g.width).toBe(120);
    expect(near(pixel(g, 5, 5), RED)).toBe(true);
    expect(near(pixel(g, 65, 5), BLUE)).toBe(true);
  });

  it('grid: a lone last row is centred on white; a cut-out (alpha) lies over white', async () => {
    const a = fill(40, 40, () => RED);
    const green = fill(40, 40, () => [0, 200, 0]);
    // Image 3 with alpha: its left half transparent, its right half half-transparent blue.
    const data = Buffer.alloc(40 * 40 * 4);
    for (let i = 0; i < 40 * 40; i += 1) data.set(i % 40 < 20 ? [0, 0, 0, 0] : [0, 0, 255, 128], i * 4);
    const cut: Img = { data, width: 40, height: 40, channels: 4 };
    const g = await run(a, { op: 'collage', layout: 'grid', images: [], scatter: false }, [a, green, cut]);
    expect([g.width, g.height, g.channels]).toEqual([80, 80, 3]);
    expect(pixel(g, 10, 10)).toEqual([...RED]);
    expect(pixel(g, 50, 10)).toEqual([0, 200, 0]);
    // Row 2 holds image 3 alone, centred: white on both sides, then its transparent and blue halves.
    expect(pixel(g, 5, 60)).toEqual([255, 255, 255]);
    expect(pixel(g, 75, 60)).toEqual([255, 255, 255]);
    expect(pixel(g, 25, 60)).toEqual([255, 255, 255]);
    expect(near(pixel(g, 50, 60), [127, 127, 255], 2)).toBe(true);
  });

  it('scattered collage is seeded: same seed identical, next seed different', async () => {
    const a = quadrants(120, 80);
    const op: Operation = { op: 'collage', layout: 'grid', images: [], scatter: true };
    const x = await run(a, op, [a, blue], 5);
    const y = await run(a, op, [a, blue], 5);
    const z = await run(a, op, [a, blue], 6);
    expect(x.data.equals(y.data)).toBe(true);
    expect(x.data.equals(z.data)).toBe(false);
  });

  it('blend: the average at 50 %', async () => {
    const a = fill(60, 60, () => [200, 0, 0]);
    const out = await run(a, { op: 'blend', source: 2, opacity: 0.5 }, [a, fill(60, 60, () => [0, 0, 200])]);
    expect(pixel(out, 30, 30)).toEqual([100, 0, 100]);
  });
});
