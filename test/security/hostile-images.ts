/** Hand-made images for the intake tests: header bombs of every format, and corrupt data. */
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { claimingPng, pngChunk, withChunkAfterHeader } from './helpers.js';

/** A BMP of `total` bytes whose BITMAPINFOHEADER says what `fields` say (pixel data = zeros). */
export function bmpWith(
  fields: { width: number; height: number; bpp: number; compression?: number; planes?: number; dataOffset?: number; headerSize?: number; colours?: number },
  total = 54,
): Buffer {
  const buf = Buffer.alloc(Math.max(total, 54));
  buf.write('BM', 0, 'latin1');
  buf.writeUInt32LE(buf.length, 2);
  buf.writeUInt32LE(fields.dataOffset ?? 54, 10);
  buf.writeUInt32LE(fields.headerSize ?? 40, 14);
  buf.writeInt32LE(fields.width, 18);
  buf.writeInt32LE(fields.height, 22);
  buf.writeUInt16LE(fields.planes ?? 1, 26);
  buf.writeUInt16LE(fields.bpp, 28);
  buf.writeUInt32LE(fields.compression ?? 0, 30);
  buf.writeUInt32LE(fields.colours ?? 0, 46);
  return buf;
}

/** A genuine 1-bit BMP (two-colour palette), `width`×`height`, with a checker pattern. */
export function oneBitBmp(width: number, height: number): Buffer {
  const stride = Math.floor((width + 31) / 32) * 4;
  const offset = 54 + 8;
  const buf = bmpWith({ width, height, bpp: 1, dataOffset: offset, colours: 2 }, offset + stride * height);
  buf.writeUInt32LE(0x00ffffff, 58); // palette[1] = white (palette[0] stays black)
  for (let y = 0; y < height; y++) buf.fill(y & 64 ? 0xf0 : 0x0f, offset + y * stride, offset + (y + 1) * stride);
  return buf;
}

/** A small valid JPEG whose frame header is rewritten to claim `width`×`height`. */
export async function claimingJpeg(width: number, height: number): Promise<Buffer> {
  const jpeg = Buffer.from(
    await sharp({ create: { width: 64, height: 64, channels: 3, background: 'gray' } })
      .jpeg()
      .toBuffer(),
  );
  const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
  jpeg.writeUInt16BE(height, sof + 5);
  jpeg.writeUInt16BE(width, sof + 7);
  return jpeg;
}

/** A small lossy WebP whose VP8 frame header is rewritten to claim `width`×`height`. */
export async function claimingWebp(width: number, height: number, lossless = false): Promise<Buffer> {
  const webp = Buffer.from(
    await sharp({ create: { width: 64, height: 64, channels: 3, background: 'gray' } })
      .webp({ lossless })
      .toBuffer(),
  );
  const chunk = webp.toString('latin1', 12, 16);
  if (chunk === 'VP8 ') {
    webp.writeUInt16LE(width & 0x3fff, 20 + 6);
    webp.writeUInt16LE(height & 0x3fff, 20 + 8);
  } else {
    webp.writeUInt32LE(((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14), 20 + 1);
  }
  return webp;
}

/** A progressive JPEG with 200 garbage bytes in its scans: passes a shrunk decode with failOn 'error'. */
export async function corruptProgressiveJpeg(): Promise<Buffer> {
  const w = 800;
  const h = 600;
  const raw = Buffer.alloc(w * h * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 7) % 251;
  const jpeg = Buffer.from(
    await sharp(raw, { raw: { width: w, height: h, channels: 3 } })
      .jpeg({ quality: 90, progressive: true })
      .toBuffer(),
  );
  const at = Math.floor(jpeg.length * 0.5);
  for (let i = at; i < at + 200; i++) jpeg[i] = (i * 31) & 0xff;
  return jpeg;
}

/** The header bombs of finding 1, each a few bytes claiming 5000×5000 (25 megapixels). */
export async function headerBombs(): Promise<{ name: string; bytes: Buffer; mime: string }[]> {
  return [
    { name: 'BMP, bit depth 0, 54 bytes', bytes: bmpWith({ width: 5000, height: 5000, bpp: 0 }), mime: 'image/bmp' },
    { name: 'BMP, bit depth 3', bytes: bmpWith({ width: 5000, height: 5000, bpp: 3 }, 4096), mime: 'image/bmp' },
    { name: 'BMP, 24-bit, no pixel data', bytes: bmpWith({ width: 5000, height: 5000, bpp: 24 }), mime: 'image/bmp' },
    { name: 'BMP, 1-bit, no pixel data', bytes: bmpWith({ width: 5000, height: 5000, bpp: 1, colours: 2, dataOffset: 62 }, 62), mime: 'image/bmp' },
    { name: 'BMP, top-down, 32-bit, 1 KB', bytes: bmpWith({ width: 5000, height: -5000, bpp: 32 }, 1024), mime: 'image/bmp' },
    { name: 'PNG, 1 KB of data', bytes: claimingPng(5000, 5000), mime: 'image/png' },
    { name: 'JPEG, 64×64 data', bytes: await claimingJpeg(5000, 5000), mime: 'image/jpeg' },
    { name: 'WebP (VP8), 64×64 data', bytes: await claimingWebp(5000, 5000), mime: 'image/webp' },
    { name: 'WebP (VP8L), 64×64 data', bytes: await claimingWebp(5000, 5000, true), mime: 'image/webp' },
  ];
}

/**
 * A 400×400 RGB PNG that is whole and well-formed (every CRC right, IEND present) but whose IDAT
 * holds only half the rows the header claims: intake accepts it, a decoder refuses it.
 */
export function shortRowsPng(): Buffer {
  const rowBytes = 1 + 400 * 3;
  const rows = Buffer.alloc(200 * rowBytes, 0x55);
  for (let r = 0; r < 200; r++) rows[r * rowBytes] = 0; // filter type None on every row
  return claimingPng(400, 400, deflateSync(rows));
}

/**
 * A JPEG whose structure intake accepts but whose DQT names table 7 (0–3 exist): libjpeg refuses
 * it as soon as it reads the header, so even sharp's metadata() fails on it.
 */
export async function bogusDqtJpeg(width: number, height: number): Promise<Buffer> {
  const jpeg = Buffer.from(
    await sharp({ create: { width, height, channels: 3, background: 'teal' } })
      .jpeg()
      .toBuffer(),
  );
  jpeg[jpeg.indexOf(Buffer.from([0xff, 0xdb])) + 4] = 0x07; // Pq 0, Tq 7
  return jpeg;
}
