/**
 * Hostile images: every generated case gets the documented outcome (docs/security.md,
 * "Decoding"), quickly and without a 5xx — both at the decode check and over HTTP.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkImage } from '../../src/inputs/image-check.js';
import { createBody, createTask, waitForStatus } from '../helpers/http.js';
import { claimingJpeg, corruptProgressiveJpeg, shortRowsPng } from './hostile-images.js';
import { claimingPng, dataUri, PNG_SIGNATURE, pngChunk, startSecServer, withChunkAfterHeader, withChunkBeforeEnd, type SecServer } from './helpers.js';

type Expect = 'ok' | 'InvalidImage.FileFormat' | 'InvalidImageResolution' | 'InvalidImageFormat' | 'InvalidParameter';

const solid = (width: number, height: number, format: 'png' | 'jpeg' | 'webp' = 'png') =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 60, b: 20 } } })
    .toFormat(format)
    .toBuffer();

const jpegSegment = (marker: number, payload: Buffer) => {
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
};

const flipBit = (bytes: Buffer, at: number) => {
  const copy = Buffer.from(bytes);
  copy[at]! ^= 0x10;
  return copy;
};

/** name → [bytes, expected outcome, expected {width,height} when ok] */
async function cases(): Promise<[string, Buffer, Expect, [number, number]?][]> {
  const png = await solid(500, 400);
  const jpeg = await solid(400, 400, 'jpeg');
  const frame = (c: string) =>
    sharp({ create: { width: 400, height: 450, channels: 3, background: c } })
      .png()
      .toBuffer();
  const animated = await sharp([await frame('red'), await frame('blue'), await frame('green')], { join: { animated: true } })
    .webp({ loop: 0, delay: [100, 100, 100] })
    .toBuffer();
  const big = await sharp({ create: { width: 5000, height: 5000, channels: 3, background: 'black' } })
    .png({ compressionLevel: 9 })
    .toBuffer();
  const exif64k = jpegSegment(0xe1, Buffer.concat([Buffer.from('Exif\0\0'), Buffer.alloc(65_000, 0)]));
  const icc64k = (i: number, n: number) => jpegSegment(0xe2, Buffer.concat([Buffer.from('ICC_PROFILE\0'), Buffer.from([i, n]), Buffer.alloc(65_000, 3)]));
  return [
    ['a plain PNG', png, 'ok', [500, 400]],
    // Pixel bombs: refused on the header alone, before any pixel is decoded.
    ['a PNG claiming 100000×100000', claimingPng(100_000, 100_000), 'InvalidImageResolution'],
    // libspng's own header limits refuse this one before us: reported as an invalid file.
    ['a PNG claiming 2^31-1 × 1', claimingPng(2 ** 31 - 1, 1), 'InvalidImageFormat'],
    ['a PNG claiming 65535×65535', claimingPng(65_535, 65_535), 'InvalidImageResolution'],
    ['a PNG claiming 0×0', claimingPng(0, 0), 'InvalidImageFormat'],
    ['a 5000×5000 PNG of 73 KB (highly compressible, within limits)', big, 'ok', [5000, 5000]],
    ['a PNG claiming 5000×5000 with no pixel data', claimingPng(5000, 5000), 'InvalidImageFormat'],
    [
      'a PNG claiming 5000×5000 whose IDAT inflates to 1 GB of zeros',
      claimingPng(5000, 5000, deflateSync(Buffer.alloc(64 * 1024 * 1024))),
      'InvalidImageFormat',
    ],
    ['a 5001×400 PNG', await solid(5001, 400), 'InvalidImageResolution'],
    ['a 383×400 PNG', await solid(383, 400), 'InvalidImageResolution'],
    // Truncated and corrupt.
    ['a truncated PNG', png.subarray(0, png.length - 30), 'InvalidImageFormat'],
    ['half of the 5000×5000 PNG', big.subarray(0, big.length >> 1), 'InvalidImageFormat'],
    ['a PNG with overwritten data', Buffer.concat([png.subarray(0, 60), Buffer.alloc(200, 0x41), png.subarray(260)]), 'InvalidImageFormat'],
    ['a truncated JPEG', jpeg.subarray(0, jpeg.length >> 1), 'InvalidImageFormat'],
    // Whole-file checks, from the structure alone (no decoder at intake).
    ['a PNG cut at a chunk boundary (no IEND)', png.subarray(0, png.length - 12), 'InvalidImageFormat'],
    ['a PNG with one bit flipped in its pixel data (its CRC fails)', flipBit(png, png.length - 30), 'InvalidImageFormat'],
    ['a PNG whose IHDR fails its CRC', flipBit(png, 30), 'InvalidImageFormat'],
    // libspng discards an ancillary chunk failing its CRC and decodes the image: so does intake.
    ['a PNG whose tEXt chunk fails its CRC', withChunkAfterHeader(png, flipBit(pngChunk('tEXt', Buffer.from('Comment\0hi')), 20)), 'ok', [500, 400]],
    ['a JPEG cut just before its EOI', jpeg.subarray(0, jpeg.length - 2), 'InvalidImageFormat'],
    ['a JPEG with bytes after its EOI', Buffer.concat([jpeg, Buffer.alloc(2048, 0x20)]), 'ok', [400, 400]],
    // Appended bytes do not count as data: no decoder at intake would find it missing.
    ['a 64×64 JPEG claiming 5000×5000 with 60 KB after its EOI', Buffer.concat([await claimingJpeg(5000, 5000), Buffer.alloc(60_000)]), 'InvalidImageFormat'],
    ['the PNG signature alone', PNG_SIGNATURE, 'InvalidImageFormat'],
    ['an empty file', Buffer.alloc(0), 'InvalidImage.FileFormat'],
    ['11 MB (over the 10 MB cap)', Buffer.concat([png, Buffer.alloc(11 * 1024 * 1024)]), 'InvalidParameter'],
    // Wrong types: decided by content, never by the declared MIME type.
    [
      'a GIF',
      await sharp({ create: { width: 400, height: 400, channels: 3, background: 'red' } })
        .gif()
        .toBuffer(),
      'InvalidImage.FileFormat',
    ],
    [
      'a TIFF',
      await sharp({ create: { width: 400, height: 400, channels: 3, background: 'red' } })
        .tiff()
        .toBuffer(),
      'InvalidImage.FileFormat',
    ],
    ['an SVG with script', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400" onload="alert(1)"/>'), 'InvalidImage.FileFormat'],
    ['a PDF', Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\n'), 'InvalidImage.FileFormat'],
    // Animated: the first frame is the image (like every decoder in the pipeline), sides of one frame.
    ['an animated WEBP (3 frames)', animated, 'ok', [400, 450]],
    // Colour models and depths all accepted.
    [
      'a CMYK JPEG',
      await sharp({ create: { width: 400, height: 400, channels: 3, background: 'red' } })
        .toColourspace('cmyk')
        .jpeg()
        .toBuffer(),
      'ok',
      [400, 400],
    ],
    [
      'a 16-bit PNG',
      await sharp({ create: { width: 400, height: 400, channels: 3, background: 'red' } })
        .toColourspace('rgb16')
        .png()
        .toBuffer(),
      'ok',
      [400, 400],
    ],
    [
      'a PNG with alpha',
      await sharp({ create: { width: 400, height: 400, channels: 4, background: { r: 1, g: 2, b: 3, alpha: 0.3 } } })
        .png()
        .toBuffer(),
      'ok',
      [400, 400],
    ],
    [
      'a grey PNG',
      await sharp({ create: { width: 400, height: 400, channels: 3, background: 'grey' } })
        .greyscale()
        .png()
        .toBuffer(),
      'ok',
      [400, 400],
    ],
    // EXIF orientation: sides are reported as displayed (after rotation).
    [
      'a 600×390 JPEG with EXIF orientation 6',
      await sharp({ create: { width: 600, height: 390, channels: 3, background: 'red' } })
        .jpeg()
        .withMetadata({ orientation: 6 })
        .toBuffer(),
      'ok',
      [390, 600],
    ],
    [
      'a 600×300 JPEG with EXIF orientation 8',
      await sharp({ create: { width: 600, height: 300, channels: 3, background: 'red' } })
        .jpeg()
        .withMetadata({ orientation: 8 })
        .toBuffer(),
      'InvalidImageResolution',
    ],
    // Huge metadata: ignored (never decoded into pixels, never copied to results).
    [
      'a PNG with a 5 MB tEXt chunk',
      withChunkBeforeEnd(png, pngChunk('tEXt', Buffer.concat([Buffer.from('Comment\0'), Buffer.alloc(5 * 1024 * 1024, 0x61)]))),
      'ok',
      [500, 400],
    ],
    [
      'a PNG with a zTXt chunk inflating to 200 MB',
      withChunkBeforeEnd(png, pngChunk('zTXt', Buffer.concat([Buffer.from('Comment\0\0'), deflateSync(Buffer.alloc(200 * 1024 * 1024, 0x61))]))),
      'ok',
      [500, 400],
    ],
    [
      'a PNG with a 5 MB junk iCCP profile',
      withChunkAfterHeader(png, pngChunk('iCCP', Buffer.concat([Buffer.from('icc\0\0'), deflateSync(Buffer.alloc(5 * 1024 * 1024, 7))]))),
      'ok',
      [500, 400],
    ],
    [
      'a JPEG with 5 MB of EXIF (80 APP1 segments)',
      Buffer.concat([jpeg.subarray(0, 2), ...Array.from({ length: 80 }, () => exif64k), jpeg.subarray(2)]),
      'ok',
      [400, 400],
    ],
    [
      'a JPEG with a 5 MB junk ICC profile',
      Buffer.concat([jpeg.subarray(0, 2), ...Array.from({ length: 80 }, (_, i) => icc64k(i + 1, 80)), jpeg.subarray(2)]),
      'ok',
      [400, 400],
    ],
    // Polyglots.
    ['a PNG with a ZIP appended', Buffer.concat([png, Buffer.from('PK\x03\x04'), Buffer.alloc(4096, 1)]), 'ok', [500, 400]],
    ['an HTML payload behind a PNG signature', Buffer.concat([PNG_SIGNATURE, Buffer.from('<html><script>alert(1)</script></html>')]), 'InvalidImageFormat'],
    [
      'an HTML payload behind a JPEG SOI',
      Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('<html><script>alert(1)</script>')]),
      'InvalidImageFormat',
    ],
    ['a GIF/JS polyglot', Buffer.from('GIF89a/*\x00\x00*/=alert(1)//'), 'InvalidImage.FileFormat'],
    ['HTML', Buffer.from('<!doctype html><script>alert(1)</script>'), 'InvalidImage.FileFormat'],
  ];
}

let all: Awaited<ReturnType<typeof cases>>;
beforeAll(async () => {
  all = await cases();
}, 60_000);

describe('checkImage on hostile images', () => {
  it('gives every case its documented outcome, each within 2 s', async () => {
    const problems: string[] = [];
    for (const [name, bytes, expected, dims] of all) {
      const started = Date.now();
      let outcome: string;
      let got: [number, number] | undefined;
      try {
        const image = await checkImage(bytes, 'input.images[0]');
        outcome = 'ok';
        got = [image.width, image.height];
      } catch (err) {
        const e = err as { status?: number; code?: string; message: string };
        outcome = e.status === 400 && e.code ? e.code : `unexpected: ${e.message}`;
      }
      const ms = Date.now() - started;
      if (outcome !== expected) problems.push(`${name}: expected ${expected}, got ${outcome}`);
      if (dims && got && (got[0] !== dims[0] || got[1] !== dims[1])) problems.push(`${name}: sides ${got} instead of ${dims}`);
      if (ms > 2000) problems.push(`${name}: took ${ms} ms`);
    }
    expect(problems).toEqual([]);
  });
});

describe('hostile images over HTTP', () => {
  let s: SecServer;
  beforeAll(async () => {
    s = await startSecServer({ RETOUCH_RATE_LIMIT_SUBMIT: '0', RETOUCH_RATE_LIMIT_QUERY: '0', RETOUCH_WORKER_CONCURRENCY: '2' });
  });
  afterAll(() => s.close());

  it('refuses with a 400 JSON DashScope body, and accepted oddities run to SUCCEEDED with an 8-bit PNG result', async () => {
    const accepted: string[] = [];
    for (const [name, bytes, expected] of all) {
      // Over 10 MB and empty are refused earlier, by the data-URI rules (InvalidParameter).
      if (bytes.length > 10 * 1024 * 1024 || bytes.length === 0) continue;
      const res = await createTask(s.url, s.key, createBody([dataUri(bytes)], 'sleep=1', { n: 1 }));
      expect(res.headers.get('content-type'), name).toMatch(/^application\/json/);
      if (expected === 'ok') {
        expect(res.status, `${name}: ${JSON.stringify(res.body)}`).toBe(200);
        accepted.push(res.body.output.task_id);
      } else {
        expect(res.status, name).toBe(400);
        expect(Object.keys(res.body).sort(), name).toEqual(['code', 'message', 'request_id']);
        expect(res.body.code, name).toBe(expected);
      }
    }
    for (const id of accepted) {
      const done = await waitForStatus(s.url, s.key, id, undefined, 30_000);
      expect(done.body.output.task_status).toBe('SUCCEEDED');
      const png = Buffer.from(await (await fetch(done.body.output.results[0].url)).arrayBuffer());
      const meta = await sharp(png).metadata();
      expect(meta.format).toBe('png');
      expect(meta.depth).toBe('uchar');
    }
  });

  it('decides the type by content: a JPEG sent as data:image/png is a JPEG; a declared non-image MIME type is refused', async () => {
    const jpeg = await solid(400, 400, 'jpeg');
    expect((await createTask(s.url, s.key, createBody([dataUri(jpeg, 'image/png')], 'sleep=1', { n: 1 }))).status).toBe(200);
    for (const mime of ['text/html', 'image/svg+xml', 'application/zip', 'image/gif']) {
      const res = await createTask(s.url, s.key, createBody([dataUri(jpeg, mime)], 'x', { n: 1 }));
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('InvalidImage.FileFormat');
    }
  });
});

/**
 * Intake reads only the structure (docs/security.md, "Decoding"): a file that is whole and
 * well-formed but whose compressed data is corrupt is accepted, and the built-in engine, which
 * decodes it for the edit, fails the task with intake's code, naming the image. Never a success,
 * never an internal error.
 */
describe('corrupt data inside a well-formed file', () => {
  let s: SecServer;
  beforeAll(async () => {
    s = await startSecServer({ RETOUCH_RATE_LIMIT_SUBMIT: '0', RETOUCH_RATE_LIMIT_QUERY: '0' });
  });
  afterAll(() => s.close());

  /** A noisy JPEG whose entropy data is cut in half, its EOI put back. */
  const cutScanJpeg = async () => {
    const jpeg = await sharp({ create: { width: 400, height: 400, channels: 3, background: 'grey', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
      .jpeg()
      .toBuffer();
    return Buffer.concat([jpeg.subarray(0, Math.floor(jpeg.length * 0.6)), Buffer.from([0xff, 0xd9])]);
  };

  it('accepts it at create; the task FAILS with InvalidImageFormat naming the image', async () => {
    const good = await solid(400, 400);
    for (const [name, bytes] of [
      ['PNG with too few rows', shortRowsPng()],
      ['JPEG with its scan cut', await cutScanJpeg()],
    ] as const) {
      // The second image is the corrupt one, and the instruction uses both.
      const res = await createTask(s.url, s.key, createBody([dataUri(good), dataUri(bytes)], 'put image 1 and image 2 side by side', {}, 'wan2.5-i2i-preview'));
      expect(res.status, `${name}: ${JSON.stringify(res.body)}`).toBe(200);
      const done = await waitForStatus(s.url, s.key, res.body.output.task_id, undefined, 30_000);
      expect(done.body.output.task_status, name).toBe('FAILED');
      expect(done.body.output.code, name).toBe('InvalidImageFormat');
      expect(done.body.output.message, name).toMatch(
        /^The input image is in invalid format \(input\.images\[1\] could not be decoded: truncated or corrupt\)\./,
      );
    }
  });

  it('names the third image of three, for every decode path (16-bit, palette, grey with alpha, EXIF-rotated), in each of n results', async () => {
    const good = await solid(400, 400);
    /** `png` with its image data replaced by half as many rows (every CRC still right). */
    const halfRows = (png: Buffer) => {
      const at = png.indexOf('IDAT') - 4;
      const data: Buffer[] = [];
      for (let c = at; png.toString('latin1', c + 4, c + 8) === 'IDAT'; c += 12 + png.readUInt32BE(c))
        data.push(png.subarray(c + 8, c + 8 + png.readUInt32BE(c)));
      const rows = inflateSync(Buffer.concat(data));
      return Buffer.concat([png.subarray(0, at), pngChunk('IDAT', deflateSync(rows.subarray(0, rows.length >> 1))), pngChunk('IEND', Buffer.alloc(0))]);
    };
    const noisy = () => sharp({ create: { width: 480, height: 400, channels: 3, background: 'grey', noise: { type: 'gaussian', mean: 128, sigma: 40 } } });
    const variants: [string, Buffer][] = [
      ['a 16-bit PNG', halfRows(await noisy().toColourspace('rgb16').png().toBuffer())],
      ['a palette PNG', halfRows(await noisy().png({ palette: true }).toBuffer())],
      ['a grey PNG with alpha', halfRows(await noisy().greyscale().ensureAlpha(0.5).png().toBuffer())],
      ['an EXIF-rotated PNG', halfRows(await noisy().withMetadata({ orientation: 6 }).png().toBuffer())],
      ['a progressive JPEG with a broken later scan', await corruptProgressiveJpeg()],
    ];
    for (const [name, bytes] of variants) {
      const images = [dataUri(good), dataUri(good), dataUri(bytes)];
      const res = await createTask(s.url, s.key, createBody(images, 'put image 1, image 2 and image 3 side by side', { n: 2 }, 'wan2.5-i2i-preview'));
      expect(res.status, `${name}: ${JSON.stringify(res.body)}`).toBe(200);
      const done = await waitForStatus(s.url, s.key, res.body.output.task_id, undefined, 30_000);
      expect([done.body.output.task_status, done.body.output.code], name).toEqual(['FAILED', 'InvalidImageFormat']);
      expect(done.body.output.message, name).toMatch(/\(input\.images\[2\] could not be decoded: truncated or corrupt\)/);
      expect(done.body.output.task_metrics, name).toMatchObject({ TOTAL: 2, SUCCEEDED: 0, FAILED: 2 });
    }
  });
});
