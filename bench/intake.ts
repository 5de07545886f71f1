/**
 * Intake bench (issue 15): what checking one input image costs, one check at a time, as CPU of
 * this process (all threads) per check: the intake check itself (src/inputs/image-check.ts)
 * next to what it is made of and to cheaper probes it could be compared with.
 *
 *   npx tsx bench/intake.ts                             # ~20 s
 *   npx tsx bench/intake.ts --checks 500                # fewer
 *
 * Inputs: a flat grey 384x384 PNG (the smallest side the protocol accepts, 1.3 KB) and a
 * 400x400 gradient PNG (117 KB, the core bench's (b) input). Probes:
 *   checkImage          the service's intake check (header checks, then the decode below)
 *   metadata            sharp's header read alone (no pixels)
 *   decode, sequential  what checkImage decodes with: the last row of a PNG, failOn 'warning'
 *   decode, random      the same without sequentialRead
 *   zlib inflateSync    the PNG's IDAT data inflated on this thread (no checks at all)
 *   zlib inflate        the same on the thread pool, one output chunk
 */
import { inflate, inflateSync } from 'node:zlib';
import { parseArgs, promisify } from 'node:util';
import sharp from 'sharp';
import { checkImage } from '../src/inputs/image-check.js';
import { testImage } from '../test/helpers/http.js';

const { values } = parseArgs({ options: { checks: { type: 'string', default: '1000' } } });
const CHECKS = Number(values.checks);
const inflateAsync = promisify(inflate);
sharp.cache(false);

/** The concatenated IDAT payload of a PNG. */
function idatOf(png: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 8; at + 8 <= png.length;) {
    const length = png.readUInt32BE(at);
    if (png.toString('latin1', at + 4, at + 8) === 'IDAT') parts.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  return Buffer.concat(parts);
}

async function cpuPerCall(fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(200, CHECKS); i++) await fn();
  const before = process.cpuUsage();
  for (let i = 0; i < CHECKS; i++) await fn();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / CHECKS;
}

const inputs = [
  {
    label: 'flat 384×384',
    png: await sharp({ create: { width: 384, height: 384, channels: 3, background: '#808080' } })
      .png()
      .toBuffer(),
    side: 384,
  },
  { label: 'gradient 400×400', png: await testImage(400, 400), side: 400 },
];
const strict = { failOn: 'warning' as const, limitInputPixels: 5000 * 5000 };
const rows: string[][] = [];
for (const { label, png, side } of inputs) {
  const raw = side * (1 + side * 3) + 1;
  const lastRow = { left: 0, top: side - 1, width: 1, height: 1 };
  const idat = idatOf(png);
  const probes: [string, () => Promise<unknown>][] = [
    ['checkImage', () => checkImage(png, 'input')],
    ['metadata', () => sharp(png).metadata()],
    [
      'decode, sequential',
      () =>
        sharp(png, { ...strict, sequentialRead: true })
          .extract(lastRow)
          .raw()
          .toBuffer(),
    ],
    [
      'decode, random',
      () =>
        sharp(png, { ...strict, sequentialRead: false })
          .extract(lastRow)
          .raw()
          .toBuffer(),
    ],
    ['zlib inflateSync', async () => inflateSync(idat, { chunkSize: raw })],
    ['zlib inflate', () => inflateAsync(idat, { chunkSize: raw })],
  ];
  for (const [i, [name, fn]] of probes.entries()) {
    rows[i] ??= [name];
    rows[i]!.push(`${(await cpuPerCall(fn)).toFixed(0)} µs`);
  }
  console.error(`${label}: ${png.length} bytes done`);
}
console.log(`\nCPU per check, ${CHECKS} checks one at a time, sharp ${sharp.versions.sharp} with libvips ${sharp.versions.vips}\n`);
console.log(`| probe | ${inputs.map((i) => `${i.label} (${(i.png.length / 1024).toFixed(1)} KB)`).join(' | ')} |`);
console.log(`|---|${inputs.map(() => '---:').join('|')}|`);
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
