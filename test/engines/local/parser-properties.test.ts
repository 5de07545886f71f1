/**
 * Property tests: wrapping any catalogue instruction in politeness, a purpose, a preservation
 * clause, the other spelling or full-width punctuation never changes its plan; a generative
 * request with any of those additions is still refused.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OPERATIONS } from '../../../src/engines/local/ops/index.js';
import { parseInstruction, understand } from '../../../src/engines/local/parser/index.js';

const zh = (s: string): boolean => /[\u3400-\u9fff]/.test(s);
const quoted = (s: string): boolean => /["'“”‘’「」『』《》]/.test(s);

const EXAMPLES = OPERATIONS.flatMap((m) => [...(m.catalogue?.en ?? []), ...(m.catalogue?.zh ?? [])]);

const POLITE_EN = ['Please ', 'Could you please ', "Hi! I'd like you to ", 'Can you ', 'Kindly '];
const POLITE_EN_END = [', thanks!', '. Thank you!', ' please.', ', thanks a lot.'];
const POLITE_ZH = ['请', '麻烦', '帮我', '请帮我'];
const POLITE_ZH_END = ['，谢谢！', '，谢谢', '。麻烦了'];
const PURPOSE_EN = [', so that it looks better', ', to make the subject stand out', ', for my Instagram post', ', like in a magazine'];
const PURPOSE_ZH = ['，让主体更突出', '，以便发朋友圈', '，让画面更好看'];
const KEEP_EN = ['. Keep everything else unchanged.', ', without changing anything else', '. Do not change anything else.', ', and keep the rest the same'];
const KEEP_ZH = ['，其余保持不变', '，其他内容不要改动', '。其余内容保持不变。'];

function respell(s: string): string {
  // Either spelling: American → British where the example uses American, and back.
  const swaps: [RegExp, string][] = [
    [/colour/g, 'color'],
    [/grey/g, 'gray'],
    [/centre/g, 'center'],
  ];
  const british: [RegExp, string][] = [
    [/color/g, 'colour'],
    [/gray/g, 'grey'],
    [/center/g, 'centre'],
    [/anonymize/g, 'anonymise'],
    [/posterize/g, 'posterise'],
  ];
  const hasBritish = swaps.some(([re]) => re.test(s));
  let t = s;
  for (const [re, to] of hasBritish ? swaps : british) t = t.replace(re, to);
  return t;
}

function fullWidth(s: string): string {
  return s
    .replace(/,/g, '，')
    .replace(/\.(?!\d)/g, '。')
    .replace(/!/g, '！')
    .replace(/\?/g, '？')
    .replace(/;/g, '；')
    .replace(/:/g, '：')
    .replace(/%/g, '％')
    .replace(/\d/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));
}

type Variant = (s: string, pick: number) => string;
const pickOf = <T>(list: readonly T[], n: number): T => list[n % list.length] as T;
const VARIANTS: Record<string, Variant> = {
  politeness: (s, n) =>
    zh(s) ? pickOf(POLITE_ZH, n) + s + pickOf(POLITE_ZH_END, n) : pickOf(POLITE_EN, n) + s.charAt(0).toLowerCase() + s.slice(1) + pickOf(POLITE_EN_END, n),
  purpose: (s, n) => s + (zh(s) ? pickOf(PURPOSE_ZH, n) : pickOf(PURPOSE_EN, n)),
  preservation: (s, n) => s + (zh(s) ? pickOf(KEEP_ZH, n) : pickOf(KEEP_EN, n)),
  spelling: (s) => (quoted(s) ? s : respell(s)),
  'full-width punctuation': (s) => (quoted(s) ? s : fullWidth(s)),
};

const ops = (prompt: string) => parseInstruction(prompt).operations;

describe('adding politeness, purpose, preservation, either spelling or full-width punctuation never changes a plan', () => {
  it('every catalogue example parses', () => {
    for (const e of EXAMPLES) expect(() => parseInstruction(e), e).not.toThrow();
  });

  for (const [name, variant] of Object.entries(VARIANTS)) {
    it(name, () => {
      fc.assert(
        fc.property(fc.constantFrom(...EXAMPLES), fc.nat(100), (example, n) => {
          const changed = variant(example, n);
          expect(ops(changed), `${example} → ${changed}`).toEqual(ops(example));
        }),
        { numRuns: 150 },
      );
    });
  }

  it('all of them at once', () => {
    fc.assert(
      fc.property(fc.constantFrom(...EXAMPLES), fc.nat(100), (example, n) => {
        const changed = VARIANTS['politeness']!(VARIANTS['preservation']!(VARIANTS['purpose']!(VARIANTS['spelling']!(example, n), n), n), n);
        expect(ops(changed), `${example} → ${changed}`).toEqual(ops(example));
      }),
      { numRuns: 150 },
    );
  });
});

const GENERATIVE = [
  'Change her coat from red to navy blue',
  'Add a party hat on the dog',
  'Remove the man in the background',
  'Replace the cloudy sky with a starry night',
  'Make the person smile',
  'Turn this into a Studio Ghibli style illustration',
  'Render it as an anime scene',
  'Make the table look like it is made of marble',
  'Colourise this old black and white photo',
  'Make her look ten years younger',
  'Add a rainbow in the sky',
  'Make it look like a watercolor painting',
  'Remove the trash can from the photo',
  'Change the colour of the car to red',
  'Extend the image and add more beach on the right',
  '把她的裙子换成白色婚纱',
  '在桌子上加一杯咖啡',
  '去掉背景里的路人',
  '把天空换成火烧云',
  '改成宫崎骏动画风格',
  '转成二次元动漫风',
  '给黑白老照片上色',
  '给人物美颜瘦脸',
  '把花变成红色',
];

describe('a generative request stays refused whatever is added', () => {
  for (const [name, variant] of Object.entries(VARIANTS)) {
    it(name, () => {
      fc.assert(
        fc.property(fc.constantFrom(...GENERATIVE), fc.nat(100), (request, n) => {
          const result = understand(variant(request, n));
          expect(result.ok, variant(request, n)).toBe(false);
          if (!result.ok) expect(result.generative).toBe(true);
        }),
        { numRuns: 100 },
      );
    });
  }
});
