/**
 * What a correct plan is for each doable row of ../shared/phrasings/phrasings.jsonl, written by
 * hand from the row's `expect` text (not from the parser's output). A row matches when the plan's
 * operations match one of its alternatives in order; a value may be a predicate (a range for
 * vague amounts). `size` rows also state the output size the engine must produce for a given
 * input size.
 */
type Value = unknown | ((v: unknown) => boolean);
export type OpMatch = Readonly<Record<string, Value>>;
export interface Expectation {
  /** Alternatives; each is the full ordered list of operations. */
  readonly plans: readonly (readonly OpMatch[])[];
  /** Output size for a 1000×800 input with no `size` parameter. */
  readonly output?: { readonly width?: number; readonly height?: number; readonly smallerThanInput?: true };
}

const gt = (x: number) => (v: unknown) => typeof v === 'number' && v > x;
const lt = (x: number) => (v: unknown) => typeof v === 'number' && v < x;
const within = (a: number, b: number) => (v: unknown) => typeof v === 'number' && v >= a - 1e-9 && v <= b + 1e-9;
const oneOf =
  (...xs: number[]) =>
  (v: unknown) =>
    typeof v === 'number' && xs.includes(v);
const one = (...ops: OpMatch[]): Expectation => ({ plans: [ops] });
const alt = (...plans: OpMatch[][]): Expectation => ({ plans });

const grayscale = { op: 'grayscale' };
const sepia = { op: 'sepia' };
const vignette = { op: 'vignette' };
const square = { op: 'cropAspect', ratio: [1, 1] };
const white = { en: 'white' };
const black = { en: 'black' };
const red = { en: 'red' };
const lightGrey = { en: 'light gray' };
const vintage = alt([sepia], [sepia, vignette]);

export const EXPECTED: Readonly<Record<string, Expectation>> = {
  p001: one(grayscale),
  p002: one(grayscale),
  p003: one(grayscale),
  p004: one(grayscale),
  p005: one(sepia),
  p006: vintage,
  p007: one({ op: 'invert' }),
  p008: one(grayscale),
  p009: one(grayscale),
  p010: one(sepia),
  p011: vintage,
  p012: one({ op: 'invert' }),
  p013: one({ op: 'brightness', factor: within(1.1, 1.2) }),
  p014: one({ op: 'brightness', factor: 1.25 }),
  p015: one({ op: 'brightness', factor: lt(1) }),
  p016: one({ op: 'contrast', factor: gt(1) }),
  p017: one({ op: 'contrast', factor: lt(1) }),
  p018: one({ op: 'saturation', factor: gt(1) }),
  p019: one({ op: 'saturation', factor: lt(1) }),
  p020: one({ op: 'temperature', amount: gt(0) }),
  p021: one({ op: 'temperature', amount: lt(0) }),
  p022: one({ op: 'whiteBalance' }),
  p023: one({ op: 'autoEnhance' }),
  p024: one({ op: 'brightness', factor: gt(1) }),
  p025: one({ op: 'brightness', factor: lt(1) }),
  p026: one({ op: 'contrast', factor: gt(1) }),
  p027: one({ op: 'saturation', factor: lt(1) }),
  p028: one({ op: 'saturation', factor: gt(1) }),
  p029: one({ op: 'temperature', amount: gt(0) }),
  // "带点蓝色": cooler, optionally with a light blue tint.
  p030: alt(
    [{ op: 'temperature', amount: lt(0) }],
    [
      { op: 'temperature', amount: lt(0) },
      { op: 'tint', colour: { en: 'blue' } },
    ],
  ),
  p031: one({ op: 'whiteBalance' }),
  p032: one({ op: 'autoEnhance' }),
  p033: alt([{ op: 'rotate', degrees: 180 }], [{ op: 'flip', axis: 'vertical' }]),
  p034: one({ op: 'rotate', degrees: -90 }),
  p035: one({ op: 'rotate', degrees: oneOf(270, -90) }),
  p036: one({ op: 'rotate', degrees: 15 }),
  p037: one({ op: 'flip', axis: 'horizontal' }),
  p038: one({ op: 'flip', axis: 'horizontal' }),
  p039: one(square),
  p040: one({ op: 'cropAspect', ratio: [16, 9] }),
  p041: one({ op: 'cropCenter', fraction: lt(1) }),
  p042: one({ op: 'cropRegion', region: 'right-half' }),
  p043: { plans: [[{ op: 'resize', scale: 0.5 }]], output: { width: 500, height: 400 } },
  p044: { plans: [[{ op: 'resizeTo', width: 1024, height: 768 }]], output: { width: 1024, height: 768 } },
  p045: { plans: [[{ op: 'resizeTo', width: 600, height: undefined }]], output: { width: 600, height: 480 } },
  p046: one({ op: 'extend', fill: { kind: 'colour', colour: white } }),
  p047: one({ op: 'border', colour: black, width: lt(0.03) }),
  p048: one({ op: 'trim' }),
  p049: one({ op: 'rotate', degrees: 180 }),
  p050: one({ op: 'rotate', degrees: -90 }),
  p051: one({ op: 'rotate', degrees: 45 }),
  p052: one({ op: 'flip', axis: 'horizontal' }),
  p053: one({ op: 'flip', axis: 'vertical' }),
  p054: one(square),
  p055: one({ op: 'cropAspect', ratio: [9, 16] }),
  p056: one({ op: 'cropCenter', fraction: lt(1) }),
  p057: { plans: [[{ op: 'resize', scale: 0.5 }]], output: { width: 500, height: 400 } },
  p058: { plans: [[{ op: 'resizeTo', width: 800, height: 600 }]], output: { width: 800, height: 600 } },
  p059: alt([{ op: 'extend', fill: { kind: 'colour', colour: white } }], [{ op: 'border', colour: white }]),
  p060: one({ op: 'border', colour: black, width: lt(0.03) }),
  p061: one({ op: 'trim' }),
  p062: one({ op: 'blur', strength: lt(1) }),
  p063: one({ op: 'blur', strength: gt(1) }),
  p064: one({ op: 'sharpen' }),
  p065: one({ op: 'denoise' }),
  p066: one({ op: 'pixelate' }),
  p067: one({ op: 'sketch' }),
  p068: one({ op: 'cartoon' }),
  p069: one({ op: 'emboss' }),
  p070: one({ op: 'edges' }),
  p071: one(vignette),
  p072: one({ op: 'grain' }),
  p073: one({ op: 'posterize', levels: within(2, 6) }),
  p074: one({ op: 'blur', strength: lt(1) }),
  p075: one({ op: 'sharpen' }),
  p076: one({ op: 'denoise' }),
  p077: one({ op: 'pixelate' }),
  p078: one({ op: 'sketch' }),
  p079: one({ op: 'emboss' }),
  p080: one({ op: 'edges' }),
  p081: one(vignette),
  p082: one({ op: 'grain' }),
  p083: one({ op: 'text', text: 'Grand Opening', position: 'top', colour: red, size: gt(0.08) }),
  p084: one({ op: 'text', text: 'Summer 2026', position: 'bottom-left', size: lt(0.08) }),
  p085: one({ op: 'text', text: 'DRAFT', position: 'center' }),
  p086: one({ op: 'removeText' }),
  p087: one({ op: 'removeText' }),
  p088: one({ op: 'text', text: '新品上市', position: 'top', colour: red, size: gt(0.08) }),
  p089: one({ op: 'text', text: '仅供参考', position: 'bottom-right', size: lt(0.08) }),
  p090: one({ op: 'removeText' }),
  p091: one({ op: 'removeText' }),
  p092: one({ op: 'removeBackground' }),
  p093: one({ op: 'replaceBackground', colour: white, source: undefined }),
  p094: one({ op: 'replaceBackground', colour: lightGrey }),
  p095: one({ op: 'backgroundBlur' }),
  p096: one({ op: 'backgroundTone', effect: 'grayscale' }),
  p097: one({ op: 'faces', mode: 'blur' }),
  p098: one({ op: 'upscale', factor: 2 }),
  p099: one({ op: 'upscale', factor: 4 }),
  p100: one({ op: 'removeBackground' }),
  p101: one({ op: 'replaceBackground', colour: white }),
  p102: one({ op: 'replaceBackground', colour: lightGrey }),
  p103: one({ op: 'backgroundBlur' }),
  p104: one({ op: 'faces', mode: 'pixelate' }),
  p105: one({ op: 'upscale', factor: 2 }),
  p106: one({ op: 'replaceBackground', colour: white }),
  p107: one({ op: 'collage', layout: 'horizontal' }),
  p108: one({ op: 'collage', layout: 'vertical', images: [1, 2] }),
  p109: one({ op: 'blend', source: 2, opacity: 0.5 }),
  p110: one({ op: 'overlay', source: 2, position: 'bottom-right', scale: lt(0.3) }),
  p111: one({ op: 'collage', images: [] }),
  p112: one({ op: 'cutout', subject: 1, onto: 2 }),
  p113: one({ op: 'collage', layout: 'horizontal' }),
  p114: one({ op: 'collage', layout: 'vertical' }),
  p115: one({ op: 'blend', opacity: 0.5 }),
  p116: one({ op: 'overlay', source: 2, position: 'top-left', scale: lt(0.3) }),
  p117: one({ op: 'collage' }),
  p118: one(square, grayscale),
  p119: one({ op: 'brightness', factor: within(1.05, 1.15) }, { op: 'vignette', strength: lt(0.45) }),
  p120: one({ op: 'rotate', degrees: 90 }),
  p121: one({ op: 'contrast', factor: gt(1) }),
  p122: one({ op: 'sharpen' }),
  p123: one(square, grayscale),
  p124: one({ op: 'brightness', factor: gt(1) }),
  p125: one({ op: 'rotate', degrees: 90 }),
  p126: one({ op: 'contrast', factor: gt(1) }),
};

function matches(actual: unknown, expected: Value): boolean {
  if (typeof expected === 'function') return (expected as (v: unknown) => boolean)(actual);
  if (expected === undefined) return actual === undefined;
  if (Array.isArray(expected)) return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => matches(actual[i], e));
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object') return false;
    return Object.entries(expected).every(([k, v]) => matches((actual as Record<string, unknown>)[k], v));
  }
  return actual === expected;
}

/** True when the operations match one of the row's alternatives, in order. */
export function planMatches(operations: readonly unknown[], expectation: Expectation): boolean {
  return expectation.plans.some((plan) => plan.length === operations.length && plan.every((m, i) => matches(operations[i], m)));
}
