/** Clause roles, constraints, refusals and messages (issue 11). */
import { describe, expect, it } from 'vitest';
import { describePlan } from '../../../src/engines/local/ops/index.js';
import { parseInstruction, understand } from '../../../src/engines/local/parser/index.js';

const ops = (p: string) => parseInstruction(p).operations;
const refusal = (p: string) => {
  const r = understand(p);
  if (r.ok) throw new Error(`accepted: ${p} → ${JSON.stringify(r.plan.operations)}`);
  return r;
};

describe('the engine reads its own actual_prompt', () => {
  it('its closing sentence is a satisfied constraint', () => {
    expect(ops('make it black and white. Keep everything else unchanged.')).toEqual([{ op: 'grayscale' }]);
    expect(ops('转成黑白。其余内容保持不变。')).toEqual([{ op: 'grayscale' }]);
  });

  it.each(['make it black and white', 'rotate 90 degrees, then crop to 16:9', '把图片转成黑白，然后裁成正方形', 'make it much brighter', 'flip it vertically'])(
    '%s',
    (prompt) => {
      const plan = parseInstruction(prompt);
      const again = parseInstruction(describePlan(plan));
      expect(again.operations).toEqual(plan.operations);
    },
  );
});

describe('preservation clauses are satisfied constraints', () => {
  it.each([
    ['Keep everything else unchanged.', 'grayscale'],
    ['Do not change anything else', 'grayscale'],
    ['without changing the composition', 'grayscale'],
    ['keep the subject exactly as it is', 'grayscale'],
    ['其余不变', 'grayscale'],
    ['保持人物不变', 'grayscale'],
    ['主体不变', 'grayscale'],
  ])('"black and white, %s"', (keep) => {
    expect(ops(`black and white, ${keep}`)).toEqual([{ op: 'grayscale' }]);
  });

  it('a preservation the plan would break fails clearly', () => {
    expect(refusal('make it black and white, keep the colours unchanged').message).toMatch(
      /contradicts itself.*keep the colours unchanged.*changes the colours/,
    );
    expect(refusal('crop to a square but keep the composition unchanged').message).toMatch(/contradicts itself/);
  });

  it('a negation is a constraint: satisfied when the plan does not do it, a contradiction when it does', () => {
    expect(ops("make it brighter, don't crop it")).toEqual([{ op: 'brightness', factor: 1.2 }]);
    expect(refusal("crop it to a square, don't crop it").message).toMatch(/contradicts itself/);
    expect(refusal("don't rotate it").message).toMatch(/only says what not to do/);
  });
});

describe('purpose, politeness and diagnosis never fail a request', () => {
  it.each([
    ['Increase the contrast to make the subject stand out more.', [{ op: 'contrast' }]],
    ['Boost the contrast so it pops', [{ op: 'contrast' }]],
    ['Crop to 16:9 for a YouTube thumbnail.', [{ op: 'cropAspect', ratio: [16, 9] }]],
    ['Blur the background to create a bokeh effect', [{ op: 'backgroundBlur' }]],
    ['增加对比度，让主体更突出', [{ op: 'contrast' }]],
    ['Could you please make it brighter? Thanks!', [{ op: 'brightness' }]],
    ["I'd like this in monochrome", [{ op: 'grayscale' }]],
    ['The photo is too dark, brighten it up a little.', [{ op: 'brightness', factor: 1.1 }]],
    ['颜色太艳了，饱和度降低一些', [{ op: 'saturation', factor: 0.85 }]],
  ])('%s', (prompt, expected) => {
    const plan = ops(prompt);
    expect(plan).toHaveLength(expected.length);
    plan.forEach((op, i) => expect(op).toMatchObject(expected[i] as object));
  });
});

describe('amount words behave as documented', () => {
  it('"一点" halves the default, "大幅" doubles it', () => {
    expect(ops('亮一点')).toEqual([{ op: 'brightness', factor: 1.1 }]);
    expect(ops('调亮一点')).toEqual([{ op: 'brightness', factor: 1.1 }]);
    expect(ops('大幅提亮')).toEqual([{ op: 'brightness', factor: 1.4 }]);
    expect(ops('brighter')).toEqual([{ op: 'brightness', factor: 1.2 }]);
    expect(ops('lighten it by a quarter')).toEqual([{ op: 'brightness', factor: 1.25 }]);
  });
});

describe('tokens and spellings', () => {
  it('"black-and-white" is one idea; British and American spellings and inflections are the same', () => {
    expect(ops('turn it black-and-white')).toEqual([{ op: 'grayscale' }]);
    expect(ops('make the colours more vivid')).toEqual(ops('make the colors more vivid'));
    expect(ops('greyscale')).toEqual(ops('grayscale'));
    expect(ops('crop the centre 50%')).toEqual(ops('crop the center 50%'));
  });

  it('"vintage portrait effect" is the vintage look, not portrait mode', () => {
    expect(ops('give it a vintage portrait effect').map((o) => o.op)).toEqual(['sepia', 'vignette']);
  });

  it('unquoted text to write keeps its case', () => {
    expect(ops('Stamp the word DRAFT in the middle.')).toMatchObject([{ op: 'text', text: 'DRAFT', position: 'center' }]);
    expect(ops('label this as SOLD OUT')).toMatchObject([{ op: 'text', text: 'SOLD OUT' }]);
  });

  it('messages quote only what the user wrote', () => {
    const m = refusal('Make the colours warmer and teleport the dog').message;
    expect(m).toContain('"teleport the dog"');
    expect(m).not.toMatch(/colors/);
    expect(refusal('Colourise this old photo').message).toContain('"Colourise this old photo"');
  });
});

describe('refusals: what needs a generative model', () => {
  it.each([
    ['Turn this into a Studio Ghibli style illustration', /generative style/],
    ['Render it as an anime scene', /generative style/],
    ['转成二次元动漫风', /generative style/],
    ['变成漫画风格', /generative style/],
    ['make it look like a watercolour', /generative style/],
    ['Colourise this old black and white photo', /colourising/],
    ['Make the person smile', /pose, an expression/],
    ['Make the table look like it is made of marble', /made of/],
    ['Change the text on the sign to "OPEN"', /replacing text/],
    ['Remove the man in the background', /specific object or region/],
    ['Make the sky more blue', /specific object or region/],
    ['outpaint the image and add a beach on the left', /specific object or region/],
    ['把花变成红色', /specific object or region/],
  ])('%s', (prompt, reason) => {
    const r = refusal(prompt);
    expect(r.generative).toBe(true);
    expect(r.message).toMatch(/needs a generative model/);
    expect(r.message).toMatch(reason);
    expect(r.message).toMatch(/the engine "auto" with a "fallback" route.*docs\/upstreams\.md/);
  });

  it('a style request suggests the deterministic styles; an object edit suggests nothing unrelated', () => {
    expect(refusal('make it look like an oil painting').message).toMatch(/Closest supported operations: cartoon, pencil sketch, posterize/);
    expect(refusal('add a dog').message).not.toMatch(/Closest supported operations/);
  });

  it('a request that is simply not understood is not called generative, and gets suggestions by meaning', () => {
    const r = refusal('blurr it');
    expect(r.generative).toBe(false);
    expect(r.message).toMatch(/Closest supported operations: blur/);
  });

  it('the built-in cartoon filter is still there for cartoon and comic looks', () => {
    expect(ops('give it a comic-book cartoon look')).toEqual([{ op: 'cartoon' }]);
    expect(ops('卡通风格')).toEqual([{ op: 'cartoon' }]);
  });
});

describe('new operations in words', () => {
  it.each([
    ['Correct the white balance, there is a yellow cast.', [{ op: 'whiteBalance' }]],
    ['校正一下白平衡，去掉偏黄', [{ op: 'whiteBalance' }]],
    ['Show only the edges, like an outline drawing.', [{ op: 'edges', lines: 'dark' }]],
    ['只保留轮廓线条', [{ op: 'edges' }]],
    ['straighten the horizon', [{ op: 'straighten', degrees: undefined }]],
    ['straighten it by 3 degrees counter-clockwise', [{ op: 'straighten', degrees: -3 }]],
    ['make the greens more vivid', [{ op: 'selectiveColour', band: 'greens', factor: 1.4 }]],
    ['desaturate the blues slightly', [{ op: 'selectiveColour', band: 'blues', factor: 0.8 }]],
    ['图1在上，图2在下，拼成长图', [{ op: 'collage', layout: 'vertical', images: [1, 2] }]],
    ['拼长图', [{ op: 'collage', layout: 'vertical' }]],
  ])('%s', (prompt, expected) => {
    expect(ops(prompt)).toMatchObject(expected);
  });
});

describe('a slight rotation is a small one', () => {
  it('rotate the image slightly to the left', () => {
    expect(ops('rotate the image slightly to the left')).toEqual([{ op: 'rotate', degrees: -5 }]);
  });
});

describe('explicit sizes', () => {
  it.each([
    ['scale this down by 50%', { op: 'resize', scale: 0.5 }],
    ['half the size', { op: 'resize', scale: 0.5 }],
    ['make this 800x600', { op: 'resizeTo', width: 800, height: 600 }],
    ['resize to 1024×768', { op: 'resizeTo', width: 1024, height: 768 }],
    ['600 px wide', { op: 'resizeTo', width: 600, height: undefined }],
    ['缩小一半', { op: 'resize', scale: 0.5 }],
  ])('%s', (prompt, expected) => {
    expect(ops(prompt)).toEqual([expected]);
  });
});
