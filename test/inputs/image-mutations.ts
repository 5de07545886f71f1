/**
 * fast-check arbitraries that mutate the header fields of valid PNG, JPEG, WebP and BMP files
 * (sides, bit depths, colour types, frame types, sampling, RIFF sizes, bitstream headers, data
 * offsets, truncation), for the intake fuzz tests. Each mutation keeps the rest of the file, so
 * the decoders behind the header checks see plausible, hostile input. Records are sparse (each
 * field is mutated or kept, at random), so that some mutants stay valid and get past intake.
 */
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import sharp from 'sharp';
import { bmpImage } from '../helpers/http.js';

export interface BaseImages {
  png: Buffer;
  jpeg: Buffer;
  progressiveJpeg: Buffer;
  webp: Buffer;
  webpLossless: Buffer;
  bmp: Buffer;
}

export async function baseImages(): Promise<BaseImages> {
  const raw = Buffer.alloc(400 * 400 * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 13) % 256;
  const img = () => sharp(raw, { raw: { width: 400, height: 400, channels: 3 } });
  return {
    png: await img().png().toBuffer(),
    jpeg: await img().jpeg().toBuffer(),
    progressiveJpeg: await img().jpeg({ progressive: true }).toBuffer(),
    webp: await img().webp().toBuffer(),
    webpLossless: await img().webp({ lossless: true }).toBuffer(),
    bmp: bmpImage(400, 400),
  };
}

/** Sides: the boundaries, bombs and junk. */
const side = (max: number) => fc.oneof(fc.constantFrom(0, 1, 383, 384, 400, 5000, 5001, 16383, 65535, max), fc.integer({ min: 0, max }));
const byteField = (valid: number[]) => fc.oneof(fc.constantFrom(...valid), fc.integer({ min: 0, max: 255 }));
const truncation = fc.double({ min: 0.01, max: 0.999, noNaN: true });

function truncate(bytes: Buffer, at: number | undefined): Buffer {
  return at === undefined ? bytes : bytes.subarray(0, Math.floor(bytes.length * at));
}

export function mutatedPng(base: Buffer): fc.Arbitrary<Buffer> {
  return fc
    .record(
      {
        width: side(0xffffffff),
        height: side(0xffffffff),
        depth: byteField([1, 2, 4, 8, 16]),
        colourType: byteField([0, 2, 3, 4, 6]),
        compression: byteField([0]),
        filter: byteField([0]),
        interlace: byteField([0, 1]),
        fixCrc: fc.boolean(),
        cut: truncation,
      },
      { requiredKeys: [] },
    )
    .map((m) => {
      const png = Buffer.from(base);
      if (m.width !== undefined) png.writeUInt32BE(m.width, 16);
      if (m.height !== undefined) png.writeUInt32BE(m.height, 20);
      [png[24], png[25], png[26], png[27], png[28]] = [
        m.depth ?? png[24]!,
        m.colourType ?? png[25]!,
        m.compression ?? png[26]!,
        m.filter ?? png[27]!,
        m.interlace ?? png[28]!,
      ];
      if (m.fixCrc !== false) png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
      return truncate(png, m.cut);
    });
}

export function mutatedJpeg(base: Buffer): fc.Arbitrary<Buffer> {
  const sof = base.indexOf(Buffer.from([0xff, 0xc0])) >= 0 ? base.indexOf(Buffer.from([0xff, 0xc0])) : base.indexOf(Buffer.from([0xff, 0xc2]));
  return fc
    .record(
      {
        marker: byteField([0xc0, 0xc1, 0xc2, 0xc3, 0xc9, 0xcf]),
        precision: byteField([8, 12]),
        width: side(65535),
        height: side(65535),
        components: byteField([1, 3, 4]),
        sampling: byteField([0x11, 0x21, 0x22, 0x44]),
        cut: truncation,
      },
      { requiredKeys: [] },
    )
    .map((m) => {
      const jpeg = Buffer.from(base);
      if (m.marker !== undefined) jpeg[sof + 1] = m.marker;
      if (m.precision !== undefined) jpeg[sof + 4] = m.precision;
      if (m.height !== undefined) jpeg.writeUInt16BE(m.height, sof + 5);
      if (m.width !== undefined) jpeg.writeUInt16BE(m.width, sof + 7);
      if (m.components !== undefined) jpeg[sof + 9] = m.components;
      if (m.sampling !== undefined) jpeg[sof + 11] = m.sampling;
      return truncate(jpeg, m.cut);
    });
}

export function mutatedWebp(base: Buffer): fc.Arbitrary<Buffer> {
  return fc
    .record(
      {
        riffDelta: fc.oneof(fc.constant(0), fc.integer({ min: -64, max: 64 }), fc.constant(0x7fffffff)),
        width: side(0x3fff),
        height: side(0x3fff),
        bits: fc.option(fc.integer({ min: 0, max: 0xffffffff }), { nil: undefined }),
        chunk: fc.constantFrom('keep', 'VP8 ', 'VP8L', 'VP8X', 'JUNK'),
        cut: truncation,
      },
      { requiredKeys: [] },
    )
    .map((m) => {
      const webp = Buffer.from(base);
      if (m.riffDelta !== undefined) webp.writeUInt32LE(Math.max(0, Math.min(0xffffffff, webp.readUInt32LE(4) + m.riffDelta)), 4);
      const type = webp.toString('latin1', 12, 16);
      if (type === 'VP8 ') {
        if (m.width !== undefined) webp.writeUInt16LE(m.width, 26);
        if (m.height !== undefined) webp.writeUInt16LE(m.height, 28);
      } else if (m.bits !== undefined) {
        webp.writeUInt32LE(m.bits, 21);
      } else if (m.width !== undefined || m.height !== undefined) {
        webp.writeUInt32LE((((m.width ?? 400) - 1) & 0x3fff) | ((((m.height ?? 400) - 1) & 0x3fff) << 14), 21);
      }
      if (m.chunk !== undefined && m.chunk !== 'keep') webp.write(m.chunk, 12, 'latin1');
      return truncate(webp, m.cut);
    });
}

export function mutatedBmp(base: Buffer): fc.Arbitrary<Buffer> {
  return fc
    .record(
      {
        width: fc.oneof(side(0x7fffffff), fc.integer({ min: -0x80000000, max: -1 })),
        height: fc.oneof(side(0x7fffffff), fc.constantFrom(-400, -5000), fc.integer({ min: -0x80000000, max: -1 })),
        planes: fc.oneof(fc.constant(1), fc.integer({ min: 0, max: 65535 })),
        bpp: fc.oneof(fc.constantFrom(0, 1, 2, 3, 4, 8, 16, 24, 32, 64), fc.integer({ min: 0, max: 65535 })),
        compression: fc.oneof(fc.constantFrom(0, 1, 2, 3, 4, 5, 6), fc.integer({ min: 0, max: 0xffffffff })),
        dataOffset: fc.oneof(fc.constant(54), fc.integer({ min: 0, max: 0xffffffff })),
        headerSize: fc.oneof(fc.constantFrom(12, 40, 52, 56, 64, 108, 124), fc.integer({ min: 0, max: 0xffffffff })),
        colours: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffffffff })),
        cut: truncation,
      },
      { requiredKeys: [] },
    )
    .map((m) => {
      const bmp = Buffer.from(base);
      if (m.width !== undefined) bmp.writeInt32LE(m.width, 18);
      if (m.height !== undefined) bmp.writeInt32LE(m.height, 22);
      if (m.planes !== undefined) bmp.writeUInt16LE(m.planes, 26);
      if (m.bpp !== undefined) bmp.writeUInt16LE(m.bpp, 28);
      if (m.compression !== undefined) bmp.writeUInt32LE(m.compression, 30);
      if (m.dataOffset !== undefined) bmp.writeUInt32LE(m.dataOffset, 10);
      if (m.headerSize !== undefined) bmp.writeUInt32LE(m.headerSize, 14);
      if (m.colours !== undefined) bmp.writeUInt32LE(m.colours, 46);
      return truncate(bmp, m.cut);
    });
}

/** One in five is left intact (so that acceptance is exercised too), the rest mutated. */
function sometimesIntact(base: Buffer, mutated: fc.Arbitrary<Buffer>): fc.Arbitrary<Buffer> {
  return fc.oneof({ arbitrary: fc.constant(base), weight: 1 }, { arbitrary: mutated, weight: 4 });
}

/** One mutated image of any of the four formats, with its format name. */
export function mutatedImage(base: BaseImages): fc.Arbitrary<{ format: string; bytes: Buffer }> {
  return fc.oneof(
    sometimesIntact(base.png, mutatedPng(base.png)).map((bytes) => ({ format: 'png', bytes })),
    sometimesIntact(base.jpeg, mutatedJpeg(base.jpeg)).map((bytes) => ({ format: 'jpeg', bytes })),
    sometimesIntact(base.progressiveJpeg, mutatedJpeg(base.progressiveJpeg)).map((bytes) => ({ format: 'jpeg', bytes })),
    sometimesIntact(base.webp, mutatedWebp(base.webp)).map((bytes) => ({ format: 'webp', bytes })),
    sometimesIntact(base.webpLossless, mutatedWebp(base.webpLossless)).map((bytes) => ({ format: 'webp', bytes })),
    sometimesIntact(base.bmp, mutatedBmp(base.bmp)).map((bytes) => ({ format: 'bmp', bytes })),
  );
}
