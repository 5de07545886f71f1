/**
 * Edits as data: a plan is an ordered list of typed operations, produced by the parser,
 * printable in English and Chinese (that text is the task's `actual_prompt`) and executed by the
 * operation modules in ops/ (one module per operation, listed in ops/index.ts).
 *
 * Image references are 1-based ("image 1" is the first input). Operations without an `image`
 * field work on the current result, which starts as image 1; an operation with `image: k`
 * edits input k before it is used by a later fusion operation (e.g. "rotate image 2 by 90°,
 * then put it side by side with image 1").
 */

/** An sRGB colour, 0–255 per channel, with its names for the description. */
/** The hue bands selective colour works on (their degree ranges live in steps/tone.ts). */
export type HueBand = 'reds' | 'oranges' | 'yellows' | 'greens' | 'cyans' | 'blues' | 'purples' | 'magentas';

export interface Colour {
  readonly rgb: readonly [number, number, number];
  readonly en: string;
  readonly zh: string;
}

export type Position = 'top' | 'bottom' | 'center' | 'left' | 'right' | 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right';

export type Side = 'all' | 'left' | 'right' | 'top' | 'bottom' | 'horizontal' | 'vertical';

export type ExtendFill = { readonly kind: 'blur' } | { readonly kind: 'mirror' } | { readonly kind: 'colour'; readonly colour: Colour };

export type CropRegion = 'left-half' | 'right-half' | 'top-half' | 'bottom-half';

/** The operation kinds, one per catalogue entry (docs/edits.md). */
export type Operation = (
  | { op: 'grayscale' }
  | { op: 'sepia'; strength: number }
  | { op: 'invert' }
  /** factor 1 = unchanged; 1.2 = 20 % brighter. */
  | { op: 'brightness'; factor: number }
  | { op: 'contrast'; factor: number }
  | { op: 'saturation'; factor: number }
  /** Degrees around the colour wheel, -180..180. */
  | { op: 'hue'; degrees: number }
  /** > 0 warmer (more red/yellow), < 0 cooler (more blue); 0.15 is the default step. */
  | { op: 'temperature'; amount: number }
  | { op: 'tint'; colour: Colour; strength: number }
  | { op: 'autoEnhance' }
  /** Gray-world white balance: removes an overall colour cast. */
  | { op: 'whiteBalance' }
  /** Saturation of one hue band only (factor 1 = unchanged). */
  | { op: 'selectiveColour'; band: HueBand; factor: number }
  | { op: 'posterize'; levels: number }
  /** 0..1, how dark the corners get. */
  | { op: 'vignette'; strength: number }
  /** Seeded: the noise pattern depends on the request seed. amount in 0..1. */
  | { op: 'grain'; amount: number }
  /** Clockwise degrees; negative is counter-clockwise. Multiples of 90 are exact. */
  | { op: 'rotate'; degrees: number }
  | { op: 'flip'; axis: 'horizontal' | 'vertical' }
  /** Levels the detected horizon (degrees undefined) or rotates by `degrees` clockwise; crops to the inner rectangle. */
  | { op: 'straighten'; degrees: number | undefined }
  | { op: 'cropAspect'; ratio: readonly [number, number] }
  /** Keep the centre `fraction` (0..1) of width and height ("zoom in 2x" = 0.5). */
  | { op: 'cropCenter'; fraction: number }
  | { op: 'cropRegion'; region: CropRegion }
  | { op: 'trim' }
  | { op: 'resize'; scale: number }
  | { op: 'resizeTo'; width: number | undefined; height: number | undefined }
  /** Extends the canvas by `amount` (fraction of the side) or to `ratio`; new area filled with `fill`. */
  | { op: 'extend'; amount: number | undefined; ratio: readonly [number, number] | undefined; side: Side; fill: ExtendFill }
  /** width: fraction of the shorter side (0.03 = 3 %) or pixels when `pixels`. */
  | { op: 'border'; width: number; pixels: boolean; colour: Colour }
  /** strength 1 = default (sigma ≈ 0.6 % of the shorter side); `sigma` in pixels when the user gave one. */
  | { op: 'blur'; strength: number; sigma: number | undefined }
  | { op: 'sharpen'; strength: number }
  | { op: 'denoise'; strength: number }
  /** Block size as a fraction of the shorter side (default 1/40). */
  | { op: 'pixelate'; block: number }
  | { op: 'sketch' }
  | { op: 'cartoon' }
  | { op: 'emboss' }
  /** Edge magnitude as an outline drawing: dark lines on white, or light lines on black. */
  | { op: 'edges'; lines: 'dark' | 'light' }
  /** size: text height as a fraction of the shorter side. */
  | { op: 'text'; text: string; position: Position; colour: Colour; size: number }
  /**
   * Places input `source` onto input `onto` (default: the current image); `scale` = its width as a
   * fraction of the base width. The result becomes the current image.
   */
  | { op: 'overlay'; source: number; onto: number | undefined; position: Position; scale: number }
  /** `images` empty = all inputs in order. Seeded when `scatter` (tilt and offset jitter). */
  | { op: 'collage'; layout: 'horizontal' | 'vertical' | 'grid'; images: readonly number[]; scatter: boolean }
  | { op: 'blend'; source: number; opacity: number }
  // ML operations (models in ./ml, composition in steps/ml.ts).
  | { op: 'removeBackground' }
  | { op: 'replaceBackground'; colour: Colour | undefined; source: number | undefined }
  | { op: 'backgroundBlur'; strength: number }
  /** Colour splash: the background turns grey (or darker), the subject keeps its colours. */
  | { op: 'backgroundTone'; effect: 'grayscale' | 'darken' }
  | { op: 'upscale'; factor: 2 | 4 }
  | { op: 'faces'; mode: 'blur' | 'pixelate' }
  | { op: 'removeText' }
  /** Cuts the subject out of input `subject` and puts it onto input `onto` (which becomes the result). */
  | { op: 'cutout'; subject: number; onto: number }
) & { readonly image?: number };

export type OperationKind = Operation['op'];

export type Language = 'en' | 'zh';

export interface Plan {
  readonly language: Language;
  readonly operations: readonly Operation[];
}

/** Every input index an operation refers to (1-based; the current image counts as 1). */
export function imageRefs(op: Operation): number[] {
  const refs = [op.image ?? 1];
  switch (op.op) {
    case 'overlay':
      refs.push(op.source, op.onto ?? 1);
      break;
    case 'blend':
      refs.push(op.source);
      break;
    case 'collage':
      refs.push(...op.images);
      break;
    case 'replaceBackground':
      if (op.source !== undefined) refs.push(op.source);
      break;
    case 'cutout':
      refs.push(op.subject, op.onto);
      break;
    default:
      break;
  }
  return refs;
}

/** The inputs (1-based) a fusion operation reads besides the current image; `count` resolves "all images". */
export function inputsUsed(op: Operation, count: number): number[] {
  switch (op.op) {
    case 'overlay':
      return [op.source, op.onto ?? 1];
    case 'blend':
      return [1, op.source];
    case 'collage':
      return op.images.length > 0 ? [...op.images] : Array.from({ length: count }, (_, i) => i + 1);
    case 'replaceBackground':
      return op.source === undefined ? [] : [op.source];
    case 'cutout':
      return [op.subject, op.onto];
    default:
      return [];
  }
}
