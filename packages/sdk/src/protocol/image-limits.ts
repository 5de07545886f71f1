/**
 * The protocol's limits on one input image, and the problems the server reports when an image
 * breaks them, for clients that check before sending (the web console). Pure, like the rest of
 * protocol/. The server's own checks (src/inputs/image-check.ts) use these limits and problems;
 * test/console/units.test.ts checks that both give the same answer for each broken limit.
 */
import type { RequestProblem } from './create-request.js';

export const MAX_INPUT_IMAGE_BYTES = 10 * 1024 * 1024;
export const MIN_INPUT_SIDE = 384;
export const MAX_INPUT_SIDE = 5000;

export type InputImageFormat = 'jpeg' | 'png' | 'webp' | 'bmp';

/** The format by content (magic bytes), as the server decides it. */
export function sniffImageFormat(b: Uint8Array): InputImageFormat | undefined {
  const ascii = (from: number, to: number) => String.fromCharCode(...b.subarray(from, to));
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 8 && [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((v, i) => b[i] === v)) return 'png';
  if (b.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  if (b.length >= 26 && b[0] === 0x42 && b[1] === 0x4d) return 'bmp';
  return undefined;
}

/** `label` names the image as the server does, e.g. "input.images[0]". */
export const imageProblems = {
  tooLarge: (label: string): RequestProblem => ({ code: 'InvalidParameter', message: `The input image is too large (${label} exceeds 10 MB).` }),
  badFormat: (label: string): RequestProblem => ({
    code: 'InvalidImage.FileFormat',
    message: `Invalid image type. Please ensure the uploaded file is a valid image (${label}: JPEG, PNG, BMP or WEBP expected).`,
  }),
  badResolution: (label: string, width: number, height: number): RequestProblem => ({
    code: 'InvalidImageResolution',
    message: `The input image resolution is too large or small (${label} is ${width}*${height}; each side must be between ${MIN_INPUT_SIDE} and ${MAX_INPUT_SIDE} pixels).`,
  }),
  corrupt: (label: string): RequestProblem => ({
    code: 'InvalidImageFormat',
    message: `The input image is in invalid format (${label} could not be decoded: truncated or corrupt).`,
  }),
} as const;

/** What a client knows about an image without sending it; decoding is the caller's (a browser or sharp). */
export interface ImageFacts {
  readonly byteLength: number;
  /** The first bytes (32 are enough to sniff the format). */
  readonly head: Uint8Array;
  /** The decoded size; undefined when the image could not be decoded. */
  readonly dims: { readonly width: number; readonly height: number } | undefined;
}

/** The problem the server would report for this image, if any, in the order the server checks. */
export function checkImageLimits(label: string, image: ImageFacts): RequestProblem | undefined {
  const { dims } = image;
  if (image.byteLength > MAX_INPUT_IMAGE_BYTES) return imageProblems.tooLarge(label);
  if (!sniffImageFormat(image.head)) return imageProblems.badFormat(label);
  if (!dims) return imageProblems.corrupt(label);
  const ok = (side: number) => Number.isInteger(side) && side >= MIN_INPUT_SIDE && side <= MAX_INPUT_SIDE;
  if (!ok(dims.width) || !ok(dims.height)) return imageProblems.badResolution(label, dims.width, dims.height);
  return undefined;
}
