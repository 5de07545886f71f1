/**
 * A small BMP decoder. The protocol accepts BMP inputs but libvips (as shipped with sharp)
 * cannot read them, so BMPs are converted to raw RGBA at intake. Supports the layouts real
 * encoders write: BITMAPINFOHEADER and later, 1/4/8-bit palettes, 16/24/32-bit, BI_RGB and
 * BI_BITFIELDS, bottom-up and top-down. RLE-compressed BMPs are refused.
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

/** Width and height from the header, without decoding pixels. */
export function bmpDimensions(bytes: Buffer): { width: number; height: number } {
  if (!isBmp(bytes) || bytes.length < 26) throw new BmpError('not a BMP file');
  const headerSize = bytes.readUInt32LE(14);
  if (headerSize < 40 || bytes.length < 14 + 40) throw new BmpError('unsupported BMP header');
  return { width: bytes.readInt32LE(18), height: Math.abs(bytes.readInt32LE(22)) };
}

function maskShift(mask: number): { shift: number; max: number } {
  if (mask === 0) return { shift: 0, max: 0 };
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  return { shift, max: mask >>> shift };
}

export function decodeBmp(bytes: Buffer): DecodedBmp {
  const { width, height } = bmpDimensions(bytes);
  const topDown = bytes.readInt32LE(22) < 0;
  const dataOffset = bytes.readUInt32LE(10);
  const headerSize = bytes.readUInt32LE(14);
  const bpp = bytes.readUInt16LE(28);
  const compression = bytes.readUInt32LE(30);
  if (width <= 0 || height <= 0 || width > 20000 || height > 20000) throw new BmpError('invalid BMP dimensions');
  if (compression !== 0 && compression !== 3) throw new BmpError('compressed BMP files are not supported');

  let masks = { r: 0x00ff0000, g: 0x0000ff00, b: 0x000000ff, a: 0 };
  if (bpp === 16) masks = { r: 0x7c00, g: 0x03e0, b: 0x001f, a: 0 };
  if (compression === 3) {
    const at = headerSize >= 52 ? 14 + 40 : 14 + headerSize;
    if (bytes.length < at + 12) throw new BmpError('truncated BMP header');
    masks = {
      r: bytes.readUInt32LE(at),
      g: bytes.readUInt32LE(at + 4),
      b: bytes.readUInt32LE(at + 8),
      a: headerSize >= 56 && bytes.length >= at + 16 ? bytes.readUInt32LE(at + 12) : 0,
    };
  }

  let palette: Buffer | undefined;
  if (bpp <= 8) {
    const colours = bytes.readUInt32LE(46) || 1 << bpp;
    const start = 14 + headerSize;
    palette = bytes.subarray(start, start + colours * 4);
  } else if (![16, 24, 32].includes(bpp)) {
    throw new BmpError(`unsupported BMP bit depth ${bpp}`);
  }

  const stride = Math.floor((bpp * width + 31) / 32) * 4;
  if (dataOffset + stride * height > bytes.length) throw new BmpError('truncated BMP pixel data');
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
