/**
 * Strict structure checks for PNG, JPEG and WebP: the whole of intake's check of an image's
 * bytes (image-check.ts), done before any decoder sees them. Each is a walk over a bounded number
 * of chunk/segment headers plus, for PNG, the chunks' CRCs (zlib's crc32, ~2.5 GB/s here) — no
 * pixel is decoded — so a header bomb (a few bytes claiming 25 megapixels) is refused at once, on
 * the event loop, without memory or CPU worth mentioning. What is checked:
 *
 * - the fields the format allows (PNG bit depth per colour type, compression/filter/interlace;
 *   JPEG frame type, precision, component count and sampling; WebP chunk layout and bitstream
 *   signatures), non-zero sides, and every chunk or segment fitting inside the file;
 * - that the file is whole: a PNG's critical chunks each match their CRC and end with IEND, a
 *   JPEG has its EOI marker after its first scan, a WebP is as long as its RIFF header says;
 * - the data length against the header: a PNG's IDAT bytes are at least the raw size over
 *   DEFLATE's maximum ratio (1032:1), a Huffman JPEG's entropy-coded bytes at least one bit per
 *   8×8 luma block (each block codes at least its DC difference).
 *
 * What structure cannot show is left to a decoder: for WebP, whose bitstreams carry no length
 * to check against the header, the decode in image-check.ts; for PNG and JPEG, compressed data
 * that is corrupt inside a whole, well-formed file (for PNG a deliberate forgery: damage breaks a
 * CRC) is found where the image is decoded for its edit, and the task fails with
 * InvalidImageFormat (docs/errors.md).
 */
import { crc32 } from 'node:zlib';

export class HeaderError extends Error {}

export interface ClaimedSize {
  readonly width: number;
  readonly height: number;
  /**
   * The data is shorter than the header allows. Reported rather than thrown, so that the
   * caller can first refuse an oversized claim with the resolution error, as DashScope does.
   */
  readonly short?: boolean;
  /**
   * The EXIF orientation (1-8) when the file carries one (JPEG APP1, PNG eXIf, WebP EXIF), as
   * libvips reads it: 5-8 swap the sides as displayed.
   */
  readonly orientation?: number;
}

const fail = (why: string): never => {
  throw new HeaderError(why);
};

/** DEFLATE cannot compress better than 1032:1; a little slack for the zlib wrapper. */
const MAX_DEFLATE_RATIO = 1032;
/** libvips' VIPS_MAX_COORD (8.15+): the largest side any of its loaders accepts. */
const VIPS_MAX_COORD = 100_000_000;
/** Files with more chunks than this are refused rather than walked (real encoders write few). */
const MAX_PNG_CHUNKS = 20_000;

/** The critical chunks after the first IHDR (a second IHDR is as unknown as any other). */
const KNOWN_CRITICAL = new Set(['PLTE', 'IDAT', 'IEND']);

const PNG_DEPTHS: Record<number, { depths: readonly number[]; channels: number }> = {
  0: { depths: [1, 2, 4, 8, 16], channels: 1 },
  2: { depths: [8, 16], channels: 3 },
  3: { depths: [1, 2, 4, 8], channels: 1 },
  4: { depths: [8, 16], channels: 2 },
  6: { depths: [8, 16], channels: 4 },
};

export function checkPngHeader(bytes: Buffer): ClaimedSize {
  if (bytes.length < 8 + 25) fail('PNG shorter than its header');
  if (bytes.readUInt32BE(8) !== 13 || bytes.toString('latin1', 12, 16) !== 'IHDR') fail('PNG does not start with IHDR');
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  const [depth, colourType, compression, filter, interlace] = [24, 25, 26, 27, 28].map((at) => bytes[at]!) as [number, number, number, number, number];
  // Above libvips' largest coordinate no decoder here opens the file at all: an invalid file,
  // not merely too large (as when sharp's own header read refused it).
  if (width === 0 || height === 0 || width > VIPS_MAX_COORD || height > VIPS_MAX_COORD) fail('PNG sides out of range');
  const kind = PNG_DEPTHS[colourType];
  if (!kind || !kind.depths.includes(depth)) fail(`PNG bit depth ${depth} is invalid for colour type ${colourType}`);
  if (compression !== 0 || filter !== 0 || interlace > 1) fail('PNG compression, filter or interlace method is invalid');
  if (crc32(bytes.subarray(12, 29)) !== bytes.readUInt32BE(29)) fail('PNG chunk "IHDR" fails its CRC');

  let at = 8 + 25;
  let idatBytes = 0;
  let palette = false;
  let chunks = 0;
  let orientation: number | undefined;
  let ended = false;
  // Sum the IDAT lengths: a header claiming 5000×5000 with a 1 KB IDAT cannot be genuine.
  const rawBytes = height * (1 + Math.ceil((width * kind!.channels * depth) / 8));
  const minIdat = Math.floor(rawBytes / MAX_DEFLATE_RATIO);
  while (at + 12 <= bytes.length) {
    if (++chunks > MAX_PNG_CHUNKS) fail('PNG has too many chunks');
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    if (length > 0x7fffffff || at + 12 + length > bytes.length) fail(`PNG chunk ${JSON.stringify(type)} runs past the end of the file`);
    // The CRC covers the type and the data. A critical chunk (type in upper case first: IDAT,
    // PLTE, IEND) that fails it is damage libspng (which the engines decode with) refuses; an
    // ancillary one (tEXt, eXIf…) it discards, decoding the image, as libpng does: not refused
    // here either, and not read (libvips sees no orientation in a discarded eXIf).
    const intact = crc32(bytes.subarray(at + 4, at + 8 + length)) === bytes.readUInt32BE(at + 8 + length);
    if (!intact && (bytes[at + 4]! & 0x20) === 0) fail(`PNG chunk ${JSON.stringify(type)} fails its CRC`);
    // libspng refuses what it cannot know to be safe to skip: a chunk type that is not four
    // letters, a critical chunk it does not know, a second IHDR.
    if (!/^[A-Za-z]{4}$/.test(type)) fail('PNG chunk type is not four letters');
    if ((bytes[at + 4]! & 0x20) === 0 && !KNOWN_CRITICAL.has(type)) fail(`PNG has an unknown critical chunk ${JSON.stringify(type)}`);
    if (type === 'PLTE') palette = true;
    if (type === 'eXIf' && intact && orientation === undefined) orientation = exifOrientation(bytes.subarray(at + 8, at + 8 + length));
    if (type === 'IDAT') {
      if (colourType === 3 && !palette) fail('palette PNG without PLTE before its data');
      idatBytes += length;
    }
    if (type === 'IEND') {
      ended = true;
      break;
    }
    at += 12 + length;
  }
  if (idatBytes === 0) fail('PNG has no image data');
  // A file cut at a chunk boundary passes every check above; only the missing IEND shows it.
  if (!ended) fail('PNG ends before its IEND chunk');
  return { width, height, short: idatBytes < minIdat, orientation };
}

const EOI = Buffer.from([0xff, 0xd9]);

/** SOF markers libjpeg-turbo decodes with Huffman coding: baseline, extended, progressive. */
const HUFFMAN_FRAMES = new Set([0xc0, 0xc1, 0xc2]);
/** Every other SOF (lossless, hierarchical, arithmetic): refused. */
const OTHER_FRAMES = new Set([0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

export function checkJpegHeader(bytes: Buffer): ClaimedSize {
  let at = 2;
  let frame: { width: number; height: number; lumaBlocks: number } | undefined;
  let orientation: number | undefined;
  for (;;) {
    // Markers may be preceded by any number of 0xFF fill bytes.
    if (at >= bytes.length || bytes[at] !== 0xff) fail('JPEG marker expected');
    while (at < bytes.length && bytes[at] === 0xff) at++;
    if (at >= bytes.length) fail('JPEG ends inside a marker');
    const marker = bytes[at]!;
    at++;
    if (marker === 0xd8 || marker === 0xd9) fail('JPEG ends or restarts before its first scan');
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // standalone markers
    if (at + 2 > bytes.length) fail('JPEG segment header truncated');
    const length = bytes.readUInt16BE(at);
    if (length < 2 || at + length > bytes.length) fail('JPEG segment runs past the end of the file');
    if (marker === 0xe1 && orientation === undefined && bytes.toString('latin1', at + 2, at + 8) === 'Exif\0\0') {
      orientation = exifOrientation(bytes.subarray(at + 8, at + length));
    }
    if (OTHER_FRAMES.has(marker)) fail('JPEG coding process is not supported (lossless, hierarchical or arithmetic)');
    if (HUFFMAN_FRAMES.has(marker)) {
      if (frame) fail('JPEG has two frame headers');
      frame = readFrame(bytes, at, length);
    }
    if (marker === 0xda) {
      if (!frame) fail('JPEG scan before its frame header');
      const entropyStart = at + length;
      // A whole file ends with EOI. Entropy-coded data cannot hold FF D9 (an FF in it is followed
      // by 00 or a restart marker), so its first occurrence past the first scan's start is the
      // EOI, where libjpeg stops; a truncated file has none. Bytes after it are ignored, by
      // libjpeg and by the length check below (else 60 KB appended to a 64×64 JPEG claiming
      // 5000×5000 would pass it, with no decoder at intake to find the data missing).
      const eoi = bytes.indexOf(EOI, entropyStart);
      if (eoi < 0) fail('JPEG ends before its EOI marker');
      // At least one bit per luma block: every block codes its DC coefficient with a Huffman
      // code of one bit or more, in any sequential or progressive JPEG.
      return { width: frame!.width, height: frame!.height, short: eoi - entropyStart < Math.floor(frame!.lumaBlocks / 8), orientation };
    }
    at += length;
  }
}

function readFrame(bytes: Buffer, at: number, length: number): { width: number; height: number; lumaBlocks: number } {
  if (length < 8) fail('JPEG frame header truncated');
  const precision = bytes[at + 2]!;
  const height = bytes.readUInt16BE(at + 3);
  const width = bytes.readUInt16BE(at + 5);
  const components = bytes[at + 7]!;
  if (precision !== 8) fail(`JPEG sample precision ${precision} is not supported`);
  // Height 0 defers the height to a DNL marker after the first scan: refused, as it cannot be checked here.
  if (width === 0 || height === 0) fail('JPEG sides must be given in the frame header');
  if (![1, 3, 4].includes(components) || length !== 8 + 3 * components) fail('JPEG component count is invalid');
  const sampling: { h: number; v: number }[] = [];
  for (let c = 0; c < components; c++) {
    const factors = bytes[at + 9 + 3 * c]!;
    const [h, v] = [factors >> 4, factors & 15];
    if (h < 1 || h > 4 || v < 1 || v > 4 || bytes[at + 10 + 3 * c]! > 3) fail('JPEG component sampling or table is invalid');
    sampling.push({ h, v });
  }
  // The component with the most 8×8 blocks (the luma plane in any ordinary file): each of its
  // blocks is coded in some scan, so it bounds the entropy data from below.
  const hMax = Math.max(...sampling.map((s) => s.h));
  const vMax = Math.max(...sampling.map((s) => s.v));
  const blocks = Math.max(...sampling.map((s) => Math.ceil(Math.ceil((width * s.h) / hMax) / 8) * Math.ceil(Math.ceil((height * s.v) / vMax) / 8)));
  return { width, height, lumaBlocks: blocks };
}

export function checkWebpHeader(bytes: Buffer): ClaimedSize {
  if (bytes.length < 30) fail('WebP shorter than its header');
  const riffSize = bytes.readUInt32LE(4);
  if (riffSize < 22 || riffSize + 8 > bytes.length) fail('WebP RIFF size does not match the file');
  const end = riffSize + 8;
  const first = bytes.toString('latin1', 12, 16);
  const firstSize = bytes.readUInt32LE(16);
  if (20 + firstSize > end) fail('WebP chunk runs past the end of the file');
  if (first === 'VP8 ') return vp8Size(bytes, 20, firstSize);
  if (first === 'VP8L') return vp8lSize(bytes, 20, firstSize);
  if (first !== 'VP8X' || firstSize < 10) fail('WebP has no VP8, VP8L or VP8X chunk');
  const width = bytes.readUIntLE(24, 3) + 1;
  const height = bytes.readUIntLE(27, 3) + 1;
  // The extended format must still carry an image: a still frame or animation frames.
  let at = 20 + firstSize + (firstSize & 1);
  let image = false;
  let orientation: number | undefined;
  while (at + 8 <= end) {
    const type = bytes.toString('latin1', at, at + 4);
    const size = bytes.readUInt32LE(at + 4);
    if (at + 8 + size > end) fail(`WebP chunk ${JSON.stringify(type)} runs past the end of the file`);
    if (type === 'VP8 ' || type === 'VP8L') {
      const frame = type === 'VP8 ' ? vp8Size(bytes, at + 8, size) : vp8lSize(bytes, at + 8, size);
      if (frame.width > width || frame.height > height) fail('WebP frame is larger than its canvas');
      image = true;
    }
    if (type === 'ANMF') image = true;
    if (type === 'EXIF' && orientation === undefined) {
      const exif = bytes.subarray(at + 8, at + 8 + size);
      // Some writers keep JPEG's "Exif\0\0" prefix in front of the TIFF data.
      orientation = exifOrientation(exif.toString('latin1', 0, 6) === 'Exif\0\0' ? exif.subarray(6) : exif);
    }
    at += 8 + size + (size & 1);
  }
  if (!image) fail('WebP has no image data');
  return { width, height, orientation };
}

function vp8Size(bytes: Buffer, at: number, size: number): ClaimedSize {
  if (size < 10) fail('VP8 frame header truncated');
  const tag = bytes.readUIntLE(at, 3);
  if ((tag & 1) !== 0) fail('VP8 frame is not a key frame');
  if (((tag >> 5) & 0x7ffff) > size - 10) fail('VP8 first partition runs past its chunk');
  if (bytes[at + 3] !== 0x9d || bytes[at + 4] !== 0x01 || bytes[at + 5] !== 0x2a) fail('VP8 start code missing');
  const width = bytes.readUInt16LE(at + 6) & 0x3fff;
  const height = bytes.readUInt16LE(at + 8) & 0x3fff;
  if (width === 0 || height === 0) fail('VP8 sides must not be zero');
  return { width, height };
}

function vp8lSize(bytes: Buffer, at: number, size: number): ClaimedSize {
  if (size < 5 || bytes[at] !== 0x2f) fail('VP8L signature missing');
  const bits = bytes.readUInt32LE(at + 1);
  if (bits >>> 29 !== 0) fail('VP8L version must be 0');
  return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
}

/** EXIF's Orientation tag (0x0112, a SHORT in IFD0) from TIFF-structured EXIF data, if valid. */
export function exifOrientation(tiff: Buffer): number | undefined {
  if (tiff.length < 8) return undefined;
  const order = tiff.toString('latin1', 0, 2);
  if (order !== 'II' && order !== 'MM') return undefined;
  const little = order === 'II';
  const u16 = (at: number) => (little ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number) => (little ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  if (u16(2) !== 42) return undefined;
  const ifd = u32(4);
  if (ifd + 2 > tiff.length) return undefined;
  const entries = u16(ifd);
  for (let i = 0; i < entries; i++) {
    const entry = ifd + 2 + 12 * i;
    if (entry + 12 > tiff.length) return undefined;
    if (u16(entry) !== 0x0112) continue;
    const value = u16(entry + 2) === 3 ? u16(entry + 8) : 0;
    return value >= 1 && value <= 8 ? value : undefined;
  }
  return undefined;
}
