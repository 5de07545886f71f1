/**
 * A small BMP decoder. The protocol accepts BMP inputs but libvips (as shipped with sharp)
 * cannot read them, so BMPs are converted to raw RGBA at intake. Supports the layouts real
 * encoders write: BITMAPINFOHEADER and later, 1/4/8-bit palettes, 16/24/32-bit, BI_RGB and
 * BI_BITFIELDS, bottom-up and top-down. RLE-compressed BMPs are refused.
 *
 * `readBmpHeader` is the strict O(1) header check intake runs on the event loop; `decodeBmp`
 * is the pixel loop, which runs in a worker thread only (bmp-converter.ts).
 */
export interface DecodedBmp {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel, top row first. */
  data: Buffer;
}

export class BmpError extends Error {}

export function isBmp(bytes: Buffer): boolean {
  return bytes.length >= 26 && bytes[0] === 0x42 && bytes[1] === 0x4d;
}

/** A BMP header that passed every check of `readBmpHeader`. */
export interface BmpHeader {
  readonly width: number;
  readonly height: number;
  readonly topDown: boolean;
  readonly bpp: 1 | 4 | 8 | 16 | 24 | 32;
  readonly compression: 0 | 3;
  readonly headerSize: number;
  readonly dataOffset: number;
  readonly colours: number;
  readonly stride: number;
  /** The pixel rows the header describes do not fit in the file. */
  readonly short: boolean;
}

const HEADER_SIZES = new Set([40, 52, 56, 108, 124]);
const DEPTHS = new Set([1, 4, 8, 16, 24, 32]);

/**
 * Every header field checked against what the format allows, in O(1): BITMAPINFOHEADER or a
 * later version, one plane, bit depth 1/4/8/16/24/32, BI_RGB (or BI_BITFIELDS at 16/32 bits),
 * palette and pixel data inside the file. Throws BmpError; `short` reports missing pixel rows
 * (the caller refuses them after the resolution check).
 */
export function readBmpHeader(bytes: Buffer): BmpHeader {
  if (!isBmp(bytes) || bytes.length < 14 + 40) throw new BmpError('BMP shorter than its header');
  const dataOffset = bytes.readUInt32LE(10);
  const headerSize = bytes.readUInt32LE(14);
  if (!HEADER_SIZES.has(headerSize) || bytes.length < 14 + headerSize) throw new BmpError('unsupported BMP header');
  const width = bytes.readInt32LE(18);
  const rawHeight = bytes.readInt32LE(22);
  const planes = bytes.readUInt16LE(26);
  const bpp = bytes.readUInt16LE(28);
  const compression = bytes.readUInt32LE(30);
  const height = Math.abs(rawHeight);
  if (width <= 0 || rawHeight === 0 || rawHeight === -0x80000000) throw new BmpError('invalid BMP dimensions');
  if (planes !== 1) throw new BmpError('BMP must have one plane');
  if (!DEPTHS.has(bpp)) throw new BmpError(`unsupported BMP bit depth ${bpp}`);
  if (compression !== 0 && compression !== 3) throw new BmpError('compressed BMP files are not supported');
  if (compression === 3 && bpp !== 16 && bpp !== 32) throw new BmpError('BI_BITFIELDS needs 16 or 32 bits per pixel');
  const used = bytes.readUInt32LE(46);
  const colours = bpp <= 8 ? used || 2 ** bpp : 0;
  if (bpp <= 8 && colours > 2 ** bpp) throw new BmpError('BMP palette is larger than its bit depth allows');
  // Bit masks follow a 40-byte header; later headers carry them inside.
  const masks = compression === 3 && headerSize === 40 ? 12 : 0;
  const paletteEnd = 14 + headerSize + masks + colours * 4;
  if (dataOffset < paletteEnd || dataOffset > bytes.length) throw new BmpError('BMP pixel data offset is invalid');
  const stride = Math.floor((bpp * width + 31) / 32) * 4;
  return {
    width,
    height,
    topDown: rawHeight < 0,
    bpp: bpp as BmpHeader['bpp'],
    compression,
    headerSize,
    dataOffset,
    colours,
    stride,
    short: dataOffset + stride * height > bytes.length,
  };
}

function maskShift(mask: number): { shift: number; max: number } {
  if (mask === 0) return { shift: 0, max: 0 };
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  return { shift, max: mask >>> shift };
}

/**
 * Pixels as RGBA. A synchronous loop over every pixel: run it only off the main thread (it is
 * called by bmp-worker.ts, see bmp-converter.ts).
 */
export function decodeBmp(bytes: Buffer): DecodedBmp {
  const { width, height, topDown, dataOffset, headerSize, bpp, compression, colours, stride, short } = readBmpHeader(bytes);
  if (short) throw new BmpError('truncated BMP pixel data');
  if (width > 20000 || height > 20000) throw new BmpError('invalid BMP dimensions');

  let masks = { r: 0x00ff0000, g: 0x0000ff00, b: 0x000000ff, a: 0 };
  if (bpp === 16) masks = { r: 0x7c00, g: 0x03e0, b: 0x001f, a: 0 };
  if (compression === 3) {
    const at = 14 + 40;
    masks = {
      r: bytes.readUInt32LE(at),
      g: bytes.readUInt32LE(at + 4),
      b: bytes.readUInt32LE(at + 8),
      a: headerSize >= 56 ? bytes.readUInt32LE(at + 12) : 0,
    };
  }
  const palette = bpp <= 8 ? bytes.subarray(14 + headerSize, 14 + headerSize + colours * 4) : undefined;
  const out = Buffer.alloc(width * height * 4);
  const channels = [masks.r, masks.g, masks.b, masks.a].map(maskShift);

  for (let y = 0; y < height; y++) {
    const row = dataOffset + (topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      if (palette) {
        const bit = x * bpp;
        const byte = bytes[row + (bit >> 3)]!;
        const index = (byte >> (8 - bpp - (bit & 7))) & ((1 << bpp) - 1);
        out[o] = palette[index * 4 + 2] ?? 0;
        out[o + 1] = palette[index * 4 + 1] ?? 0;
        out[o + 2] = palette[index * 4] ?? 0;
        out[o + 3] = 255;
      } else if (bpp === 24 && compression === 0) {
        const p = row + x * 3;
        out[o] = bytes[p + 2]!;
        out[o + 1] = bytes[p + 1]!;
        out[o + 2] = bytes[p]!;
        out[o + 3] = 255;
      } else {
        const value = bpp === 16 ? bytes.readUInt16LE(row + x * 2) : bytes.readUInt32LE(row + x * 4);
        channels.forEach(({ shift, max }, c) => {
          out[o + c] = max === 0 ? (c === 3 ? 255 : 0) : Math.round((((value >>> shift) & max) * 255) / max);
        });
      }
    }
  }
  return { width, height, data: out };
}
