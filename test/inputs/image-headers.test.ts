/** The strict header checks (src/inputs/image-headers.ts, bmp.ts), case by case. */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { BmpError, readBmpHeader } from '../../src/inputs/bmp.js';
import { checkJpegHeader, checkPngHeader, checkWebpHeader, exifOrientation, HeaderError, type ClaimedSize } from '../../src/inputs/image-headers.js';
import { bmpImage } from '../helpers/http.js';
import { claimingPng, pngChunk, withChunkAfterHeader, withChunkBeforeEnd } from '../security/helpers.js';
import { bmpWith, claimingJpeg, claimingWebp, oneBitBmp } from '../security/hostile-images.js';

const img = () => sharp({ create: { width: 500, height: 400, channels: 3, background: 'teal' } });

describe('strict image headers', () => {
  it('reads the sides of valid files of every format, and finds their data long enough', async () => {
    expect(checkPngHeader(await img().png().toBuffer())).toEqual({ width: 500, height: 400, short: false });
    expect(checkJpegHeader(await img().jpeg().toBuffer())).toEqual({ width: 500, height: 400, short: false });
    expect(checkJpegHeader(await img().jpeg({ progressive: true }).toBuffer())).toEqual({ width: 500, height: 400, short: false });
    expect(checkWebpHeader(await img().webp().toBuffer())).toEqual({ width: 500, height: 400 });
    expect(checkWebpHeader(await img().webp({ lossless: true }).toBuffer())).toEqual({ width: 500, height: 400 });
    expect(readBmpHeader(bmpImage(500, 400))).toMatchObject({ width: 500, height: 400, bpp: 24, short: false });
    expect(readBmpHeader(oneBitBmp(500, 400))).toMatchObject({ width: 500, height: 400, bpp: 1, colours: 2, short: false });
  });

  it('reads the EXIF orientation of JPEG, PNG and WebP files as libvips does', async () => {
    const checks = { jpeg: checkJpegHeader, png: checkPngHeader, webp: checkWebpHeader } as const;
    for (const format of ['jpeg', 'png', 'webp'] as const) {
      expect(checks[format](await img().toFormat(format).toBuffer()).orientation, format).toBeUndefined();
      for (let orientation = 1; orientation <= 8; orientation++) {
        const bytes = await img().withMetadata({ orientation }).toFormat(format).toBuffer();
        expect((await sharp(bytes).metadata()).orientation, `${format} ${orientation}`).toBe(orientation);
        expect(checks[format](bytes).orientation, `${format} ${orientation}`).toBe(orientation);
      }
    }
  });

  it('reads the orientation from big- and little-endian EXIF, and ignores invalid values', () => {
    // A TIFF header and one IFD0 entry: tag 0x0112, type SHORT, count 1, the value.
    const tiff = (order: 'II' | 'MM', type: number, value: number) => {
      const b = Buffer.alloc(8 + 2 + 12 + 4);
      const le = order === 'II';
      const u16 = (v: number, at: number) => (le ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at));
      const u32 = (v: number, at: number) => (le ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at));
      b.write(order, 0, 'latin1');
      u16(42, 2);
      u32(8, 4);
      u16(1, 8);
      u16(0x0112, 10);
      u16(type, 12);
      u32(1, 14);
      u16(value, 18);
      return b;
    };
    expect(exifOrientation(tiff('II', 3, 6))).toBe(6);
    expect(exifOrientation(tiff('MM', 3, 8))).toBe(8);
    expect(exifOrientation(tiff('MM', 3, 9))).toBeUndefined();
    expect(exifOrientation(tiff('II', 3, 0))).toBeUndefined();
    expect(exifOrientation(tiff('II', 4, 6))).toBeUndefined(); // not a SHORT
    expect(exifOrientation(tiff('II', 3, 6).subarray(0, 20))).toBeUndefined(); // truncated entry
    expect(exifOrientation(Buffer.from('not exif at all'))).toBeUndefined();
  });

  it('reports data shorter than the header allows (the bombs of finding 1)', async () => {
    expect(checkPngHeader(claimingPng(5000, 5000)).short).toBe(true);
    expect(checkJpegHeader(await claimingJpeg(5000, 5000)).short).toBe(true);
    // Bytes after the EOI are not data (libjpeg stops there), however many.
    expect(checkJpegHeader(Buffer.concat([await claimingJpeg(5000, 5000), Buffer.alloc(60_000)])).short).toBe(true);
    expect(readBmpHeader(bmpWith({ width: 5000, height: 5000, bpp: 24 })).short).toBe(true);
  });

  it.each([
    ['bit depth 0', { bpp: 0 }],
    ['bit depth 3', { bpp: 3 }],
    ['bit depth 64', { bpp: 64 }],
    ['two planes', { planes: 2 }],
    ['RLE8 compression', { bpp: 8, compression: 1 }],
    ['BI_BITFIELDS at 24 bits', { bpp: 24, compression: 3 }],
    ['a 12-byte OS/2 header', { headerSize: 12 }],
    ['height 0', { height: 0 }],
    ['negative width', { width: -400 }],
    ['a palette larger than 2^bpp', { bpp: 1, colours: 3, dataOffset: 66 }],
    ['pixel data offset inside the header', { dataOffset: 20 }],
  ])('refuses a BMP with %s', (_name, fields) => {
    expect(() => readBmpHeader(bmpWith({ width: 400, height: 400, bpp: 24, ...fields }, 400 * 400 * 4 + 100))).toThrow(BmpError);
  });

  it('refuses PNG headers the format does not allow', async () => {
    const png = await img().png().toBuffer();
    const at = (offset: number, value: number) => {
      const copy = Buffer.from(png);
      copy[offset] = value;
      return copy;
    };
    for (const bad of [at(24, 0), at(24, 3), at(25, 1), at(24, 4), at(26, 1), at(27, 1), at(28, 2), png.subarray(0, 30)]) {
      expect(() => checkPngHeader(bad)).toThrow(HeaderError);
    }
    // A chunk that runs past the end of the file.
    const long = Buffer.from(png);
    long.writeUInt32BE(0x7ffffff0, 33);
    expect(() => checkPngHeader(long)).toThrow(HeaderError);
  });

  it('refuses the chunks libspng refuses (an unknown critical chunk, a second IHDR, a type that is not four letters), not unknown ancillary ones', async () => {
    const png = await img().png().toBuffer();
    const ihdr = png.subarray(8, 33);
    expect(() => checkPngHeader(withChunkAfterHeader(png, pngChunk('CRIT', Buffer.from('x'))))).toThrow(/unknown critical chunk "CRIT"/);
    expect(() => checkPngHeader(withChunkBeforeEnd(png, Buffer.from(ihdr)))).toThrow(/unknown critical chunk "IHDR"/);
    expect(() => checkPngHeader(withChunkAfterHeader(png, pngChunk('pr1t', Buffer.from('x'))))).toThrow(/four letters/);
    expect(checkPngHeader(withChunkAfterHeader(png, pngChunk('prVt', Buffer.from('private'))))).toMatchObject({ width: png.readUInt32BE(16) });
    // And the decoder agrees on each.
    await expect(
      sharp(withChunkAfterHeader(png, pngChunk('CRIT', Buffer.from('x'))))
        .raw()
        .toBuffer(),
    ).rejects.toThrow();
    await expect(
      sharp(withChunkAfterHeader(png, pngChunk('prVt', Buffer.from('private'))))
        .raw()
        .toBuffer(),
    ).resolves.toBeInstanceOf(Buffer);
  });

  it('refuses a PNG whose critical chunk fails its CRC; one whose ancillary chunk does is accepted, as libspng decodes it (without that chunk)', async () => {
    const png = await img().png().toBuffer();
    const damaged = (chunk: Buffer) => {
      const copy = Buffer.from(chunk);
      copy[copy.length - 1]! ^= 1;
      return copy;
    };
    const flippedCrc = (at: number) => Buffer.concat([png.subarray(0, at), damaged(png.subarray(at, at + 4)), png.subarray(at + 4)]);
    const rotated = await img().withMetadata({ orientation: 6 }).png().toBuffer();
    const exifAt = rotated.indexOf('eXIf') - 4;
    const exif6 = rotated.subarray(exifAt, exifAt + 12 + rotated.readUInt32BE(exifAt));
    const withExif = (exif: Buffer) => Buffer.concat([png.subarray(0, 33), exif, png.subarray(33)]);
    const idatCrc = png.indexOf('IDAT') + 4 + png.readUInt32BE(png.indexOf('IDAT') - 4);
    const cases: [string, Buffer, 'refused' | ClaimedSize][] = [
      ['IHDR', flippedCrc(29), 'refused'],
      ['IDAT', flippedCrc(idatCrc), 'refused'],
      ['tEXt', withChunkAfterHeader(png, damaged(pngChunk('tEXt', Buffer.from('Comment\0hi')))), { width: 500, height: 400, short: false }],
      ['a private chunk', withChunkAfterHeader(png, damaged(pngChunk('prIv', Buffer.from('data')))), { width: 500, height: 400, short: false }],
      ['eXIf (orientation 6)', withExif(exif6), { width: 500, height: 400, short: false, orientation: 6 }],
      // libspng discards the chunk, so libvips sees no orientation: neither does the check.
      ['a damaged eXIf (orientation 6)', withExif(damaged(exif6)), { width: 500, height: 400, short: false }],
    ];
    for (const [name, bytes, expected] of cases) {
      if (expected === 'refused') {
        expect(() => checkPngHeader(bytes), name).toThrow(HeaderError);
        continue;
      }
      expect(checkPngHeader(bytes), name).toEqual(expected);
      // What the engines will see: the image decodes, with the orientation the check read.
      await sharp(bytes).raw().toBuffer();
      expect((await sharp(bytes).metadata()).orientation, name).toBe(expected.orientation);
    }
  });

  it('refuses JPEG frames it cannot check or decode: 12-bit, height 0 (DNL), 2 components, lossless, arithmetic', async () => {
    const jpeg = await img().jpeg().toBuffer();
    const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
    const at = (offset: number, value: number) => {
      const copy = Buffer.from(jpeg);
      copy[offset] = value;
      return copy;
    };
    const zeroHeight = Buffer.from(jpeg);
    zeroHeight.writeUInt16BE(0, sof + 5);
    for (const bad of [at(sof + 4, 12), zeroHeight, at(sof + 9, 2), at(sof + 1, 0xc3), at(sof + 1, 0xc9), at(sof + 11, 0x51), jpeg.subarray(0, sof + 6)]) {
      expect(() => checkJpegHeader(bad)).toThrow(HeaderError);
    }
  });

  it('refuses WebP files whose RIFF size, chunks or bitstream headers do not hold', async () => {
    const webp = await img().webp().toBuffer();
    const riff = Buffer.from(webp);
    riff.writeUInt32LE(webp.length * 2, 4);
    const startCode = Buffer.from(webp);
    startCode[23] = 0;
    const lossless = Buffer.from(await claimingWebp(400, 400, true));
    lossless[20] = 0x2e;
    for (const bad of [riff, startCode, lossless, webp.subarray(0, 24)]) expect(() => checkWebpHeader(bad)).toThrow(HeaderError);
  });
});
