/**
 * Checks one input image's bytes against the protocol's limits at submission, from their
 * structure: for PNG and JPEG no decoder is started, so the check costs microseconds on the event
 * loop.
 *
 * 1. format by content (the magic bytes, never a header or file name), at most 10 MB;
 * 2. a strict structure check (image-headers.ts, bmp.ts): the fields, every chunk or segment
 *    inside the file, the file whole (PNG critical-chunk CRCs and IEND, JPEG EOI, WebP RIFF
 *    length);
 * 3. each side in [384, 5000] as displayed (the EXIF orientation found by the header check);
 * 4. the data length against the header (a 54-byte file claiming 25 megapixels stops here);
 * 5. for WebP only, a decode at a reduced scale on libvips' threads: its bitstreams carry no
 *    length to hold against the header (a 5000² VP8L image can take 1 KB), so a file claiming
 *    more pixels than it holds shows only when decoded.
 *
 * A truncated or damaged file is refused here with 400 InvalidImageFormat. Otherwise the pixels
 * are decoded once, where an engine needs them (issue 15: a decode here as well doubled a task's
 * CPU); compressed data that is corrupt inside a well-formed file fails its task there, with the
 * same code (docs/errors.md). Engines that forward the bytes to a model leave that to the model.
 *
 * BMP, which libvips cannot read, is converted to PNG here, its pixel loop running in a worker
 * thread (bmp-converter.ts), so engines only see formats sharp decodes.
 */
import sharp from 'sharp';
import { fromProblem } from '../errors.js';
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

/** Seconds of libvips work one WebP may take at intake (a 25-megapixel decode takes < 1 s). */
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
  if (format === 'webp') await checkWebpData(bytes, label);
  return { bytes, format, width, height };
}

/**
 * Decodes a WebP at 32×32 (shrink-on-load: every coefficient is still read) with the engines'
 * strictness (sharp's default `failOn: 'warning'`), a pixel limit and a deadline.
 */
async function checkWebpData(bytes: Buffer, label: string): Promise<void> {
  try {
    await sharp(bytes, { failOn: 'warning', limitInputPixels: MAX_INPUT_SIDE * MAX_INPUT_SIDE, sequentialRead: true })
      .resize(32, 32)
      .raw()
      .timeout({ seconds: DECODE_TIMEOUT_S })
      .toBuffer();
  } catch {
    throw corrupt(label);
  }
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
