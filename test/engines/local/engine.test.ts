/** The local engine end to end: sizes, actual_prompt, watermark, seeds, errors, cancellation. */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { EditError, type EditRequest } from '../../../src/engines/engine.js';
import { createLocalEngine } from '../../../src/engines/local/local-engine.js';
import { defaultOutputSize } from '@retouch/sdk/protocol';
import { RED, changed, decodePng, fill, pixel, png, quadrants } from './helpers.js';

const engine = createLocalEngine();

async function request(prompt: string, extra: Partial<EditRequest> = {}): Promise<EditRequest> {
  return {
    images: [await png(quadrants(400, 300))],
    prompt,
    negativePrompt: '',
    index: 0,
    seed: 42,
    size: { width: 800, height: 800 },
    promptExtend: true,
    watermark: false,
    signal: new AbortController().signal,
    ...extra,
  };
}

describe('local engine', () => {
  it('returns a PNG of the requested size with the plan as actual_prompt', async () => {
    const result = await engine.edit(await request('make it black and white, then rotate ninety degrees'));
    const meta = await sharp(result.png).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 800, 800]);
    expect(result.actualPrompt).toBe('Convert the image to grayscale. Rotate the image 90° clockwise. Keep everything else unchanged.');
  });

  it('without size: the default size at the edited aspect ratio (rotation swaps it)', async () => {
    const result = await engine.edit(await request('旋转90度', { size: undefined }));
    const meta = await sharp(result.png).metadata();
    expect({ width: meta.width, height: meta.height }).toEqual(defaultOutputSize(300, 400));
    expect(result.actualPrompt).toBe('将图像顺时针旋转90°。其余内容保持不变。');
  });

  it('without prompt_extend there is no actual_prompt', async () => {
    const result = await engine.edit(await request('invert', { promptExtend: false }));
    expect(result.actualPrompt).toBeUndefined();
  });

  it('watermark=true marks the bottom-right corner only', async () => {
    const plain = await decodePng((await engine.edit(await request('grayscale'))).png);
    const marked = await decodePng((await engine.edit(await request('grayscale', { watermark: true }))).png);
    expect(changed(plain, marked, { left: 650, top: 740, width: 150, height: 60 })).toBeGreaterThan(100);
    expect(changed(plain, marked, { left: 0, top: 0, width: 600, height: 700 })).toBe(0);
  });

  it('same request and seed → byte-identical PNG; seeded ops differ with seed + 1; n=4 gives four different results', async () => {
    const size = { width: 768, height: 768 };
    const a = await engine.edit(await request('add film grain', { size }));
    const b = await engine.edit(await request('add film grain', { size }));
    expect(a.png.equals(b.png)).toBe(true);
    const outs = await Promise.all([0, 1, 2, 3].map(async (i) => (await engine.edit(await request('add film grain', { size, index: i, seed: 42 + i }))).png));
    expect(new Set(outs.map((o) => o.toString('base64'))).size).toBe(4);
    expect(outs[0]?.equals(a.png)).toBe(true);
    // Unseeded operations do not depend on the seed.
    const c = await engine.edit(await request('sepia', { size, seed: 1 }));
    const d = await engine.edit(await request('sepia', { size, seed: 2 }));
    expect(c.png.equals(d.png)).toBe(true);
  });

  it('fails with InvalidParameter for instructions it does not understand, quoting them', async () => {
    await expect(engine.edit(await request('make it brighter and add a unicorn'))).rejects.toSatisfy(
      (e: unknown) => e instanceof EditError && e.code === 'InvalidParameter' && e.message.includes('add a unicorn'),
    );
  });

  it('fails when the instruction refers to an image the request does not have', async () => {
    await expect(engine.edit(await request('put image 2 on image 1'))).rejects.toThrow(/refers to image 2.*1 input image/);
    // Images count from 1: "image 0" was told it "is not used afterwards".
    await expect(engine.edit(await request('make image 0 black and white'))).rejects.toThrow(/image 0.*numbered from 1/);
  });

  it('uses a second image when there is one; per-image edits apply before fusion', async () => {
    const images = [await png(fill(100, 100, () => RED)), await png(fill(100, 100, (x) => (x < 50 ? [0, 0, 0] : [255, 255, 255])))];
    const result = await engine.edit(
      await request('flip image 2 horizontally, then put image 1 and image 2 side by side', { images, size: { width: 1280, height: 640 } }),
    );
    const out = await decodePng(result.png);
    expect(pixel(out, 700, 300)).toEqual([255, 255, 255]);
    expect(pixel(out, 1270, 300)).toEqual([0, 0, 0]);
    expect(result.actualPrompt).toContain('On image 2: Flip the image horizontally');
  });

  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    controller.abort(new Error('canceled'));
    await expect(engine.edit(await request('blur', { signal: controller.signal }))).rejects.toThrow('canceled');
  });

  it('negative prompt "cropped": the final fit pads instead of cropping', async () => {
    const wide = [await png(fill(400, 100, (x) => (x < 40 ? [255, 0, 0] : [0, 0, 255])))];
    const cropped = await decodePng((await engine.edit(await request('sharpen', { images: wide }))).png);
    const padded = await decodePng((await engine.edit(await request('sharpen', { images: wide, negativePrompt: 'cropped, blurry' }))).png);
    expect(pixel(cropped, 10, 400)[2]).toBeGreaterThan(200);
    expect(pixel(padded, 10, 400)[0]).toBeGreaterThan(200);
  });

  it('rejects undecodable input images with InvalidParameter', async () => {
    await expect(engine.edit(await request('blur', { images: [Buffer.from('not an image')] }))).rejects.toBeInstanceOf(EditError);
  });
});

describe('working resolution', () => {
  it('shrinks large inputs to what the output needs, unless the plan uses absolute pixels', async () => {
    const { runPlan, workingBudget } = await import('../../../src/engines/local/execute.js');
    const { parseInstruction } = await import('../../../src/engines/local/parser/index.js');
    const { NO_HINTS } = await import('../../../src/engines/local/negative.js');
    const big = await sharp({ create: { width: 3000, height: 2000, channels: 3, background: '#808080' } })
      .jpeg()
      .toBuffer();
    const options = {
      seed: 1,
      signal: new AbortController().signal,
      hints: NO_HINTS,
      ml: async () => Promise.reject(new Error('none')),
      outputPixels: 1024 * 1024,
    };
    const shrunk = await runPlan(parseInstruction('grayscale'), [big], options);
    expect(shrunk.width * shrunk.height).toBeLessThanOrEqual(2 * 1024 * 1024 + 3000);
    expect(shrunk.width / shrunk.height).toBeCloseTo(1.5, 2);
    const full = await runPlan(parseInstruction('add a 20px border'), [big], options);
    expect(full.width).toBe(3040);
    // Crops that zoom in keep more resolution.
    expect(workingBudget(parseInstruction('crop the centre 25%'), 1e6)).toBeGreaterThan(10e6);
  });
});

describe('a stated size above the default output size', () => {
  const twice = (prompt: string, size?: { width: number; height: number }) =>
    sharp({ create: { width: 800, height: 600, channels: 3, background: '#808080' } })
      .png()
      .toBuffer()
      .then(async (img) => request(prompt, { images: [img], size }));

  it.each(['make it twice as big', 'double the size', '放大两倍'])('"%s" on 800×600 is 1600×1200, past 1280×1280 as documented', async (prompt) => {
    const meta = await sharp((await engine.edit(await twice(prompt))).png).metadata();
    expect([meta.width, meta.height]).toEqual([1600, 1200]);
  });

  it('with parameters.size, which cannot be 1600*1200, says to drop it rather than to make them agree', async () => {
    const err = await engine.edit(await twice('make it twice as big', { width: 1280, height: 960 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EditError);
    expect((err as EditError).message).toBe(
      'The instruction asks for an output of 1600×1200 pixels, but parameters.size is 1280*960. parameters.size must be within 768*768–1280*1280 pixels and 1:4–4:1, so it cannot be 1600*1200: drop it to get 1600×1200.',
    );
    await expect(engine.edit(await twice('resize to 1024x768', { width: 1280, height: 960 }))).rejects.toThrow(/Drop one of them or make them agree\.$/);
  });

  it('past the working limit the task fails naming the limit', async () => {
    await expect(engine.edit(await twice('make it 8 times bigger'))).rejects.toThrow(
      'Scaling to 800% would make the image 6400×4800, above the 25 megapixel working limit.',
    );
  });
});

describe('per-image edits', () => {
  it('an edit of an input that nothing uses afterwards is refused instead of silently ignored', async () => {
    const images = [await png(quadrants(60, 40)), await png(quadrants(60, 40))];
    await expect(engine.edit(await request('rotate image 2 by 90 degrees', { images }))).rejects.toThrow(/edits image 2 but does not use it/);
    await expect(engine.edit(await request('put the two images side by side, then make image 1 black and white', { images }))).rejects.toThrow(/edits image 1/);
    await expect(engine.edit(await request('make image 1 black and white, then put image 1 and image 2 side by side', { images }))).resolves.toBeDefined();
  });
});

describe('inputs and cancellation', () => {
  it('applies the EXIF orientation of an input before editing', async () => {
    const rotatedJpeg = await sharp({ create: { width: 400, height: 200, channels: 3, background: '#808080' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const result = await engine.edit(await request('grayscale', { images: [rotatedJpeg], size: undefined }));
    const meta = await sharp(result.png).metadata();
    expect((meta.height ?? 0) > (meta.width ?? 0)).toBe(true);
  });

  it('checks the signal between steps: an abort during one step stops the plan before the next', async () => {
    const controller = new AbortController();
    let secondStepRan = false;
    const ml = {
      segmentForeground: async (image: { width: number; height: number }) => {
        controller.abort(new Error('deadline'));
        return Buffer.alloc(image.width * image.height, 255);
      },
      detectFaces: async () => {
        secondStepRan = true;
        return [];
      },
      upscale: async () => Promise.reject(new Error('unused')),
      detectText: async () => [],
      inpaint: async () => Promise.reject(new Error('unused')),
      close: async () => {},
    };
    const withMl = createLocalEngine({ ml });
    await expect(withMl.edit(await request('remove the background, then blur the faces', { signal: controller.signal }))).rejects.toThrow('deadline');
    expect(secondStepRan).toBe(false);
  });
});

describe('image count', () => {
  it('combining needs at least two inputs', async () => {
    await expect(engine.edit(await request('put the images side by side'))).rejects.toThrow(/at least 2 input images/);
  });
});
