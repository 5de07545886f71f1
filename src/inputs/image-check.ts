/**
 * Checks one input image's bytes against the protocol's limits at submission, so that engines
 * only ever see images that decode:
 *
 * 1. format by content (the magic bytes, never a header or file name), at most 10 MB;
 * 2. a strict header check (image-headers.ts, bmp.ts): O(1) on the event loop, no pixel read;
 * 3. each side in [384, 5000] as displayed (the EXIF orientation found by the header check);
 * 4. the data length against the header (a 54-byte file claiming 25 megapixels stops here);
 * 5. a full decode on libvips' threads with the strictness the engines decode with (sharp's
 *    `failOn: 'warning'`, their default), a pixel limit and a deadline: corrupt data is found
 *    here, as 400 InvalidImageFormat, not later in the worker (the cheapest full read per
 *    format: shrink-on-load for JPEG/WebP, the last row for PNG).
 *
 * BMP, which libvips cannot read, is converted to PNG here, its pixel loop running in a worker
 * thread (bmp-converter.ts), so engines only see formats sharp decodes.
 */
import sharp from 'sharp';
import { ApiError, fromProblem } from '../errors.js';
import { imageProblems, MAX_INPUT_IMAGE_BYTES, MAX_INPUT_SIDE, MIN_INPUT_SIDE, sniffImageFormat, type InputImageFormat } from '@retouch/sdk/protocol';
import { BmpError, readBmpHeader } from './bmp.js';
import { createBmpConverter } from './bmp-converter.js';
import { checkJpegHeader, checkPngHeader, checkWebpHeader, type ClaimedSize } from './image-headers.js';

/** The limits are the protocol's (protocol/image-limits.ts), which browsers check with too. */
export { MAX_INPUT_IMAGE_BYTES as MAX_IMAGE_BYTES } from '@retouch/sdk/protocol';

export type ImageFormat = InputImageFormat;

export interface CheckedImage {
  /** Bytes in a format sharp decodes (BMP converted to PNG). */
  readonly bytes: Buffer;
  readonly format: 'jpeg' | 'png' | 'webp';
  readonly width: number;
  readonly height: number;
}

export const sniffFormat = (bytes: Buffer): ImageFormat | undefined => sniffImageFormat(bytes);

const badFormat = (label: string) => fromProblem(imageProblems.badFormat(label));
const badResolution = (label: string, width: number, height: number) => fromProblem(imageProblems.badResolution(label, width, height));
const corrupt = (label: string) => fromProblem(imageProblems.corrupt(label));
export const tooLargeImage = (label: string) => fromProblem(imageProblems.tooLarge(label));

const HEADER_CHECKS: Record<'jpeg' | 'png' | 'webp', (bytes: Buffer) => ClaimedSize> = {
  jpeg: checkJpegHeader,
  png: checkPngHeader,
  webp: checkWebpHeader,
};

/** One per process: BMP conversions are serialised in one worker thread (bmp-converter.ts). */
const bmpConverter = createBmpConverter();

/** Seconds of libvips work one input may take at intake (a 25-megapixel decode takes < 1 s). */
const DECODE_TIMEOUT_S = 10;

/** `label` names the image in messages, e.g. "input.images[0]". */
export async function checkImage(bytes: Buffer, label: string): Promise<CheckedImage> {
  if (bytes.length > MAX_INPUT_IMAGE_BYTES) throw tooLargeImage(label);
  const format = sniffFormat(bytes);
  if (!format) throw badFormat(label);
  if (format === 'bmp') return checkBmp(bytes, label);

  let claimed: ClaimedSize;
  try {
    claimed = HEADER_CHECKS[format](bytes);
  } catch {
    throw corrupt(label);
  }
  // As displayed: the EXIF orientation is read by the header check, as libvips reads it, so no
  // decoder is started for it.
  const { width, height } = displayed(claimed);
  if (!sideOk(width) || !sideOk(height)) throw badResolution(label, width, height);
  if (claimed.short) throw corrupt(label);
  try {
    // A full decode, streamed by libvips, catches truncated and corrupt data; `failOn: 'warning'`
    // is sharp's default, which is what the engines decode with. JPEG and WebP are read at a
    // reduced scale (shrink-on-load, every coefficient still read); a PNG has no such scale, so
    // only its last row is kept: every row before it is inflated and unfiltered on the way
    // there, without the cost of resampling the whole image (half the CPU of resize(32, 32)).
    const decode = sharp(bytes, { failOn: 'warning', limitInputPixels: MAX_INPUT_SIDE * MAX_INPUT_SIDE, sequentialRead: true });
    const probe = format === 'png' ? decode.extract({ left: 0, top: claimed.height - 1, width: 1, height: 1 }) : decode.resize(32, 32);
    await probe.raw().timeout({ seconds: DECODE_TIMEOUT_S }).toBuffer();
  } catch {
    throw corrupt(label);
  }
  return { bytes, format, width, height };
}

/**
 * The sides as displayed of an image checkImage accepted (its bytes as stored), from the header
 * alone: for engines that need only the size (the test engine), without starting a decoder.
 */
export function displayedSize(bytes: Buffer): { width: number; height: number } | undefined {
  const format = sniffFormat(bytes);
  if (format === undefined || format === 'bmp') return undefined;
  try {
    return displayed(HEADER_CHECKS[format](bytes));
  } catch {
    return undefined;
  }
}

async function checkBmp(bytes: Buffer, label: string): Promise<CheckedImage> {
  let header: ReturnType<typeof readBmpHeader>;
  try {
    header = readBmpHeader(bytes);
  } catch {
    throw corrupt(label);
  }
  if (!sideOk(header.width) || !sideOk(header.height)) throw badResolution(label, header.width, header.height);
  if (header.short) throw corrupt(label);
  try {
    const { width, height, png } = await bmpConverter.toPng(bytes);
    return { bytes: png, format: 'png', width, height };
  } catch (err) {
    if (err instanceof BmpError) throw corrupt(label);
    throw err;
  }
}

/** EXIF orientations 5-8 swap the sides as displayed. */
const displayed = ({ width, height, orientation }: ClaimedSize) => ((orientation ?? 1) >= 5 ? { width: height, height: width } : { width, height });

const sideOk = (side: number) => Number.isInteger(side) && side >= MIN_INPUT_SIDE && side <= MAX_INPUT_SIDE;
