/** Parser: the instruction table (EN/ZH, ≥200 cases), the description text, and the failures. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EditError } from '../../../src/engines/engine.js';
import { describePlan } from '../../../src/engines/local/ops/index.js';
import { parseInstruction } from '../../../src/engines/local/parser/index.js';
import { CASES, FAILURES } from './parser-cases.js';
import { ADVERSARIAL_PROMPTS } from './adversarial-inputs.js';

describe('parseInstruction: the catalogue table', () => {
  it('has at least 200 instructions, both languages', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(200);
    expect(CASES.filter(([p]) => /[\u4e00-\u9fff]/.test(p)).length).toBeGreaterThanOrEqual(80);
  });

  it.each(CASES.map((c) => [c[0], c] as const))('%s', (_name, [prompt, ops, language]) => {
    const plan = parseInstruction(prompt);
    expect(plan.operations).toHaveLength(ops.length);
    plan.operations.forEach((op, i) => expect(op).toMatchObject(ops[i] as object));
    if (language) expect(plan.language).toBe(language);
    const text = describePlan(plan);
    expect(text.endsWith(plan.language === 'zh' ? '其余内容保持不变。' : 'Keep everything else unchanged.')).toBe(true);
  });
});

describe('parseInstruction: instructions outside the catalogue', () => {
  it.each(FAILURES.map((f) => [f[0], f] as const))('%s fails with InvalidParameter', (_name, [prompt, quoted, suggestion]) => {
    let error: unknown;
    try {
      parseInstruction(prompt);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EditError);
    const e = error as EditError;
    expect(e.code).toBe('InvalidParameter');
    expect(e.message).toContain(quoted);
    if (suggestion) expect(e.message).toMatch(new RegExp(`Closest supported operations: [^.]*${suggestion.replace('/', '\\/')}`));
  });

  it('quotes are kept intact, including chaining words inside them', () => {
    const plan = parseInstruction('add text “A, then B and C” at the top, then rotate 90 degrees');
    expect(plan.operations).toMatchObject([
      { op: 'text', text: 'A, then B and C' },
      { op: 'rotate', degrees: 90 },
    ]);
  });

  it('refuses overly long instructions and too many operations', () => {
    expect(() => parseInstruction('blur, '.repeat(400))).toThrow(EditError);
    expect(() => parseInstruction(Array.from({ length: 21 }, () => 'blur').join(', '))).toThrow(/at most 20/);
  });
});

describe('parseInstruction: words that change what the edit means', () => {
  // "twice", "back", "except" were passed over as describing words (adverb, preposition) and the
  // edit ran once, forwards, or on the one image it was told to leave alone.
  it.each([
    'rotate back',
    'rotate 90 degrees and then rotate back',
    'rotate 90 degrees twice',
    'flip horizontally twice',
    'mirror it twice',
    'rotate 90 degrees except image 2',
    'make it black and white except image 1',
    '旋转90度两次',
    '水平翻转两次',
    '除了图2都旋转90度',
    '图2以外都变成黑白',
    '除图1外都旋转90度',
    // Removing the black-and-white look is not making the image black and white.
    'remove black and white',
    'get rid of the black and white',
    'drop the grayscale',
    '去掉黑白',
    '去掉黑白效果',
    // Two directions in one turn: one of them was dropped.
    'rotate left then right',
    'rotate 90 degrees clockwise, then counterclockwise',
    'rotate 90 degrees counterclockwise then clockwise',
    'make it darker but brighter',
    'increase and decrease brightness',
    // Less of an effect is not the effect.
    'make it less sharp',
    'reduce sharpness',
    'lower the clarity',
    'reduce detail',
    '降低清晰度',
    '减少细节',
    '让图片不那么清晰',
    'make it less black and white',
    'make it less grayscale',
    // A hyphenated un-/de- prefix was dropped: the edit ran forwards.
    'un-rotate',
    'de-rotate',
    'un-grayscale',
    'ungrayscale',
  ])('%s fails with InvalidParameter instead of doing something else', (prompt) => {
    expect(() => parseInstruction(prompt)).toThrow(EditError);
  });

  it('a removing verb left over is not called a part of the picture', () => {
    expect(() => parseInstruction('remove black and white')).toThrow(/"remove" is not supported/);
  });

  it('"brighter, then darker" is both edits in order, not only the last one', () => {
    expect(parseInstruction('make it brighter, then darker').operations).toMatchObject([
      { op: 'brightness', factor: 1.2 },
      { op: 'brightness', factor: 0.8 },
    ]);
    expect(parseInstruction('把图片调暗一点再调亮一点').operations).toMatchObject([
      { op: 'brightness', factor: 0.9 },
      { op: 'brightness', factor: 1.1 },
    ]);
    expect(parseInstruction('make it warmer, then cooler').operations).toMatchObject([{ op: 'temperature' }, { op: 'temperature' }]);
    // A restatement in the same direction is still one edit, the more specific one.
    expect(parseInstruction('make it brighter, increase the brightness by 30%').operations).toMatchObject([{ op: 'brightness', factor: 1.3 }]);
  });

  it('the same words still work where an operation reads them', () => {
    expect(parseInstruction('twice as bright').operations).toMatchObject([{ op: 'brightness', factor: 2 }]);
    expect(parseInstruction('make it twice as big').operations).toMatchObject([{ op: 'resize', scale: 2 }]);
    for (const prompt of ['remove all the color', 'remove the colors', 'take out the color', '去掉所有颜色', '去掉颜色']) {
      expect(parseInstruction(prompt).operations).toMatchObject([{ op: 'grayscale' }]);
    }
    expect(parseInstruction('rotate 90 degrees counterclockwise').operations).toMatchObject([{ op: 'rotate', degrees: -90 }]);
    expect(parseInstruction('rotate 90 degrees to the left').operations).toMatchObject([{ op: 'rotate', degrees: -90 }]);
    // Less blur is sharpening, as "less blurry" already was; it was a blur.
    expect(parseInstruction('图片不够清晰').operations).toMatchObject([{ op: 'sharpen' }]);
    // "de-saturate" raised the saturation; "un-crop" cropped.
    expect(parseInstruction('de-saturate').operations).toMatchObject([{ op: 'saturation', factor: 0.6 }]);
    expect(parseInstruction('un-crop').operations).toMatchObject([{ op: 'extend' }]);
    for (const prompt of ['reduce the blur', 'decrease the blur', '减少模糊', 'less blur']) {
      expect(parseInstruction(prompt).operations).toMatchObject([{ op: 'sharpen' }]);
    }
  });
});

describe('describePlan', () => {
  it('writes English plans back as explicit text', () => {
    expect(describePlan(parseInstruction('black and white, then rotate ninety degrees'))).toBe(
      'Convert the image to grayscale. Rotate the image 90° clockwise. Keep everything else unchanged.',
    );
  });

  it('writes Chinese plans in Chinese, mixed prompts in the dominant language', () => {
    expect(describePlan(parseInstruction('转成黑白，然后逆时针旋转九十度'))).toBe('将图像转换为黑白灰度图。将图像逆时针旋转90°。其余内容保持不变。');
    expect(parseInstruction('把这张图片转成黑白，再加上文字“OK”').language).toBe('zh');
    expect(parseInstruction('make it black and white, add text "你好世界"').language).toBe('en');
  });

  it('names the image a per-image edit applies to', () => {
    expect(describePlan(parseInstruction('rotate image 2 by 90 degrees'))).toContain('On image 2:');
  });
});

describe('parseInstruction: robustness (property tests)', () => {
  const words = [
    'rotate',
    'blur',
    'the',
    'and',
    'then',
    'image',
    '2',
    '90',
    'degrees',
    '%',
    '30',
    'black',
    'white',
    'text',
    '"hi"',
    '“你好”',
    '旋转',
    '九十',
    '度',
    '图2',
    '第二张',
    '并且',
    '，',
    ',',
    '.',
    'border',
    'red',
    '红色',
    'crop',
    '16:9',
    'side',
    'by',
    'put',
    'on',
    'background',
    '背景',
    'remove',
    'x',
    'half',
    'twice',
    '两倍',
    'one hundred',
    'and',
    'zoom',
    'in',
    '\n',
    '  ',
    "'",
    '「',
  ];
  it('any mix of catalogue words either parses or fails with InvalidParameter, never anything else', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...words), { maxLength: 30 }), (parts) => {
        try {
          const plan = parseInstruction(parts.join(' '));
          expect(plan.operations.length).toBeGreaterThan(0);
          expect(describePlan(plan).length).toBeGreaterThan(0);
        } catch (err) {
          expect(err).toBeInstanceOf(EditError);
          expect((err as EditError).code).toBe('InvalidParameter');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary unicode never throws anything but EditError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200, unit: 'binary' }), (text) => {
        try {
          parseInstruction(text);
        } catch (err) {
          expect(err).toBeInstanceOf(EditError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('long adversarial inputs get a plan or a clear refusal (their parse time is in bench/parse.ts)', () => {
    for (const input of ADVERSARIAL_PROMPTS) {
      let outcome: unknown;
      try {
        outcome = parseInstruction(input);
      } catch (err) {
        outcome = err;
      }
      if (outcome instanceof Error) {
        expect(outcome).toBeInstanceOf(EditError);
        expect((outcome as EditError).message.length).toBeGreaterThan(10);
      } else {
        expect((outcome as { operations: unknown[] }).operations.length).toBeGreaterThan(0);
      }
    }
  });
});
