/** The strict header checks (src/inputs/image-headers.ts, bmp.ts), case by case. */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { BmpError, readBmpHeader } from '../../src/inputs/bmp.js';
import { checkJpegHeader, checkPngHeader, checkWebpHeader, HeaderError } from '../../src/inputs/image-headers.js';
import { bmpImage } from '../helpers/http.js';
import { claimingPng } from '../security/helpers.js';
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

  it('reports data shorter than the header allows (the bombs of finding 1)', async () => {
    expect(checkPngHeader(claimingPng(5000, 5000)).short).toBe(true);
    expect(checkJpegHeader(await claimingJpeg(5000, 5000)).short).toBe(true);
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
