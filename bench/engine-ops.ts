/**
 * Local engine, per catalogue operation (the ML ones are in bench/ml-models.ts): our end-to-end
 * `edit` (parse → steps → fit → PNG) against bare sharp doing the same edit and the same encode
 * (same PNG settings, the fit back to the requested size where our edit does one, the same
 * decode), and against ImageMagick (Debian's `convert`, a new process per edit, PNG files on
 * tmpfs). Interleaved in one run (the order rotates every round), medians. Prints a markdown table.
 *
 *   npx tsx bench/engine-ops.ts [--iterations 7] [--only grayscale,rotate] [--no-im]
 *   npx tsx bench/engine-ops.ts --png      # PNG compression level / filter: encode time and size
 *   npx tsx bench/engine-ops.ts --profile  # where an edit's time goes (decode, pixel work, encode, JS)
 *
 * Installs ImageMagick with apt-get when it is missing (root, Debian). `size` is the input size
 * (1024×768). For the operations done in JS (posterize, grain, selective colour, vignette, sketch,
 * edges) "bare sharp" is the same edit written directly: the same sharp calls straight from the
 * PNG around the same JS loop (selective colour, vignette: the step's own function between decode
 * and encode; sketch, edges: their sharp pipelines from the PNG, then the same per-pixel work).
 * Vignette is in JS because libvips' multiply composite of a mask took longer than the whole edit.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp, { type Sharp } from 'sharp';
import { sceneImage } from '../scripts/lib/scene.js';
import { createLocalEngine } from '../src/engines/local/local-engine.js';
import { DEFAULT_PNG } from '../src/engines/local/pipeline.js';
import { sobelSquared } from '../src/engines/local/steps/filters.js';
import { selectiveColour, vignette } from '../src/engines/local/steps/tone.js';
import { toSharp, type Img } from '../src/engines/local/image.js';

const W = 1024;
const H = 768;
const args = process.argv.slice(2);
const argValue = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const ITERATIONS = Number(argValue('--iterations') ?? 7);
const ONLY = argValue('--only')?.split(',');
const NO_IM = args.includes('--no-im');
const PNG = DEFAULT_PNG;

function imageMagick(): string {
  const find = (): string | undefined => ['/usr/bin/convert', '/usr/bin/magick'].find((p) => existsSync(p));
  let bin = find();
  if (!bin) {
    console.error('ImageMagick missing: apt-get install -y imagemagick …');
    spawnSync('apt-get', ['update'], { stdio: 'ignore' });
    spawnSync('apt-get', ['install', '-y', 'imagemagick'], { stdio: 'inherit' });
    bin = find();
  }
  if (!bin) throw new Error('ImageMagick could not be installed (apt-get install imagemagick)');
  return bin;
}

const testImage = (): Promise<Buffer> => sceneImage(W, H);

interface Case {
  name: string;
  prompt: string;
  /** ImageMagick arguments between the input file(s) and the output file. */
  im?: (input: string, input2: string) => string[];
  sharp: (input: Buffer, input2: Buffer) => Sharp | Promise<Sharp>;
  images?: 2;
  /** The instruction states the output size: no `size` parameter (it would have to agree). */
  sizing?: true;
}

const require = createRequire(import.meta.url);
const FONT = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf', 'DejaVuSans-Bold.ttf');
const NOTO = join(dirname(require.resolve('@embedpdf/fonts-sc')), '..', 'fonts', 'NotoSansHans-Bold.otf');

/** Materialises a pipeline and fits it back to W×H, as a second pipeline (sharp resizes before it extends or composites). */
async function refit(s: Sharp): Promise<Sharp> {
  const { data, info } = await s.raw().toBuffer({ resolveWithObject: true });
  return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } }).resize(W, H, { fit: 'cover' });
}

/** sharp's decode to raw pixels, for the steps done in JS. */
async function decodeRaw(b: Buffer): Promise<Img> {
  const { data, info } = await sharp(b).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: 3 };
}

/**
 * Edges written directly: the blurred grey image from the PNG in one sharp pipeline, then the
 * same JS work as the step (Sobel pass, histogram percentiles, scaling).
 */
async function edgesBare(b: Buffer): Promise<Sharp> {
  const g = await sharp(b).greyscale().blur(1.536).extractChannel(0).raw().toBuffer();
  const mag2 = sobelSquared(g, W, H);
  const n = W * H;
  const hist = new Uint32Array(2 * 1020 * 1020 + 1);
  for (let i = 0; i < n; i += 1) hist[mag2[i]!]! += 1;
  const percentile = (q: number): number => {
    for (let m = 0, seen = 0; m < hist.length; m += 1) if ((seen += hist[m]!) > Math.floor(n * q)) return Math.sqrt(m);
    return 0;
  };
  const lo = Math.max(8, 3 * percentile(0.5));
  const k = 255 / (Math.max(lo + 16, percentile(0.99)) - lo);
  const out = Buffer.allocUnsafe(n * 3);
  for (let i = 0; i < n; i += 1) {
    const p = 255 - Math.min(255, Math.max(0, Math.round((Math.sqrt(mag2[i]!) - lo) * k)));
    out[i * 3] = p;
    out[i * 3 + 1] = p;
    out[i * 3 + 2] = p;
  }
  return sharp(out, { raw: { width: W, height: H, channels: 3 } });
}

/**
 * Pencil sketch written directly: the grey image and its blurred negative from the PNG (two
 * pipelines in parallel), the colour dodge and the contrast curve as one table look-up per pixel.
 */
async function sketchBare(b: Buffer): Promise<Sharp> {
  const [g, inv] = await Promise.all([
    sharp(b).greyscale().extractChannel(0).raw().toBuffer(),
    sharp(b).greyscale().blur(6.4).negate().extractChannel(0).raw().toBuffer(),
  ]);
  const lut = new Uint8Array(65536);
  for (let k = 0; k < 65536; k += 1) {
    const dodged = (k & 255) === 255 ? 255 : Math.min(255, Math.round(((k >> 8) * 255) / (255 - (k & 255))));
    lut[k] = Math.min(255, Math.max(0, Math.trunc(1.15 * dodged - 32.25)));
  }
  const out = Buffer.allocUnsafe(W * H * 3);
  for (let i = 0; i < W * H; i += 1) {
    const v = lut[(g[i]! << 8) | inv[i]!]!;
    out[i * 3] = v;
    out[i * 3 + 1] = v;
    out[i * 3 + 2] = v;
  }
  return sharp(out, { raw: { width: W, height: H, channels: 3 } });
}

const CASES: Case[] = [
  { name: 'grayscale', prompt: 'grayscale', im: (i) => [i, '-colorspace', 'Gray'], sharp: (b) => sharp(b).greyscale() },
  {
    name: 'sepia',
    prompt: 'sepia',
    im: (i) => [i, '-sepia-tone', '80%'],
    sharp: (b) =>
      sharp(b).recomb([
        [0.393, 0.769, 0.189],
        [0.349, 0.686, 0.168],
        [0.272, 0.534, 0.131],
      ]),
  },
  { name: 'invert', prompt: 'invert', im: (i) => [i, '-negate'], sharp: (b) => sharp(b).negate() },
  { name: 'brightness +20%', prompt: 'brighter', im: (i) => [i, '-modulate', '120'], sharp: (b) => sharp(b).modulate({ brightness: 1.2 }) },
  { name: 'contrast +20%', prompt: 'more contrast', im: (i) => [i, '-brightness-contrast', '0x20'], sharp: (b) => sharp(b).linear(1.2, -25.6) },
  { name: 'saturation +30%', prompt: 'more saturated', im: (i) => [i, '-modulate', '100,130'], sharp: (b) => sharp(b).modulate({ saturation: 1.3 }) },
  { name: 'hue 90°', prompt: 'hue shift 90 degrees', im: (i) => [i, '-modulate', '100,100,150'], sharp: (b) => sharp(b).modulate({ hue: 90 }) },
  {
    name: 'warmer',
    prompt: 'warmer',
    im: (i) => [i, '-channel', 'R', '-evaluate', 'multiply', '1.09', '-channel', 'B', '-evaluate', 'multiply', '0.91', '+channel'],
    sharp: (b) => sharp(b).linear([1.09, 1.015, 0.91], [0, 0, 0]),
  },
  { name: 'tint blue', prompt: 'add a blue tint', im: (i) => [i, '-fill', '#0050ff', '-colorize', '35%'], sharp: (b) => sharp(b).tint('#0050ff') },
  { name: 'auto-enhance', prompt: 'auto enhance', im: (i) => [i, '-normalize'], sharp: (b) => sharp(b).normalise().modulate({ saturation: 1.08 }) },
  {
    name: 'posterize 4',
    prompt: 'posterize',
    im: (i) => [i, '-posterize', '4'],
    sharp: async (b) => {
      const { data, info } = await sharp(b).raw().toBuffer({ resolveWithObject: true });
      for (let i = 0; i < data.length; i += 1) data[i] = Math.round(Math.round(((data[i] as number) / 255) * 3) * 85);
      return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } });
    },
  },
  {
    name: 'vignette',
    prompt: 'add a vignette',
    im: (i) => [i, '-background', 'black', '-vignette', '0x80'],
    // The step's own loop (default strength 0.45) between sharp's decode and encode.
    sharp: async (b) => toSharp(vignette(await decodeRaw(b), 0.45)),
  },
  {
    name: 'film grain',
    prompt: 'add film grain',
    im: (i) => [i, '-attenuate', '0.3', '+noise', 'Gaussian'],
    sharp: (b) =>
      sharp(b).composite([
        { input: { create: { width: W, height: H, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 12 } } }, blend: 'overlay' },
      ]),
  },
  {
    name: 'white balance',
    prompt: 'correct the white balance',
    im: (i) => [i, '-auto-level'],
    sharp: async (b) => {
      const means = (await sharp(b).stats()).channels.slice(0, 3).map((c) => c.mean);
      const grey = (means[0]! + means[1]! + means[2]!) / 3;
      return sharp(b).linear(
        means.map((m) => grey / m),
        [0, 0, 0],
      );
    },
  },
  {
    name: 'selective colour',
    prompt: 'make the greens more vivid',
    // The step's own loop (HSV hue bands) between sharp's decode and encode.
    sharp: async (b) => toSharp(selectiveColour(await decodeRaw(b), 'greens', 1.4)),
  },
  {
    name: 'trim',
    prompt: 'trim the margins',
    im: (i) => [i, '-fuzz', '5%', '-trim', '+repage'],
    sharp: (b) => sharp(b).trim({ threshold: 12 }).resize(W, H, { fit: 'cover' }),
  },
  { name: 'rotate 90°', prompt: 'rotate 90 degrees', im: (i) => [i, '-rotate', '90'], sharp: (b) => sharp(b).rotate(90).resize(W, H, { fit: 'cover' }) },
  {
    name: 'rotate 30°',
    prompt: 'rotate 30 degrees',
    im: (i) => [i, '-background', 'black', '-rotate', '30'],
    sharp: (b) => sharp(b).rotate(30).resize(W, H, { fit: 'cover' }),
  },
  { name: 'flip', prompt: 'flip horizontally', im: (i) => [i, '-flop'], sharp: (b) => sharp(b).flop() },
  {
    name: 'crop square',
    prompt: 'crop to a square',
    im: (i) => [i, '-gravity', 'center', '-crop', `${H}x${H}+0+0`, '+repage'],
    sharp: (b) =>
      sharp(b)
        .extract({ left: (W - H) / 2, top: 0, width: H, height: H })
        .resize(W, H, { fit: 'cover' }),
  },
  {
    name: 'crop centre 50%',
    prompt: 'crop the centre 50%',
    im: (i) => [i, '-gravity', 'center', '-crop', '50%x50%+0+0', '+repage'],
    sharp: (b) =>
      sharp(b)
        .extract({ left: W / 4, top: H / 4, width: W / 2, height: H / 2 })
        .resize(W, H, { fit: 'cover' }),
  },
  { name: 'scale 50%', prompt: 'scale to 50%', sizing: true, im: (i) => [i, '-resize', '50%'], sharp: (b) => sharp(b).resize(W / 2, H / 2) },
  {
    name: 'extend 20% (white)',
    prompt: 'extend the canvas by 20% with white',
    im: (i) => [i, '-bordercolor', 'white', '-border', '205x154'],
    sharp: (b) => refit(sharp(b).extend({ left: 205, right: 205, top: 154, bottom: 154, background: '#fff' })),
  },
  {
    name: 'outpaint 16:9 (mirror)',
    prompt: 'outpaint to 16:9',
    im: (i) => [i, '-virtual-pixel', 'mirror', '-set', 'option:distort:viewport', `1365x768-170+0`, '-distort', 'SRT', '0', '-blur', '0x15'],
    sharp: async (b) =>
      refit(
        sharp(await sharp(b).extend({ left: 170, right: 171, extendWith: 'mirror' }).blur(15).raw().toBuffer(), {
          raw: { width: W + 341, height: H, channels: 3 },
        }).composite([{ input: b, left: 170, top: 0 }]),
      ),
  },
  {
    name: 'border',
    prompt: 'add a 23px white border',
    im: (i) => [i, '-bordercolor', 'white', '-border', '23'],
    sharp: (b) => refit(sharp(b).extend({ top: 23, bottom: 23, left: 23, right: 23, background: '#fff' })),
  },
  { name: 'blur σ5', prompt: 'blur radius 5', im: (i) => [i, '-gaussian-blur', '0x5'], sharp: (b) => sharp(b).blur(5) },
  { name: 'sharpen', prompt: 'sharpen', im: (i) => [i, '-sharpen', '0x1.2'], sharp: (b) => sharp(b).sharpen({ sigma: 1.2 }) },
  { name: 'denoise (median 3)', prompt: 'denoise', im: (i) => [i, '-median', '3'], sharp: (b) => sharp(b).median(3) },
  {
    name: 'pixelate',
    prompt: 'pixelate',
    im: (i) => [i, '-scale', '5.2%', '-scale', `${W}x${H}!`],
    sharp: async (b) => sharp(await sharp(b).resize(54, 40).toBuffer()).resize(W, H, { kernel: 'nearest' }),
  },
  {
    name: 'sketch',
    prompt: 'pencil sketch',
    im: (i) => [i, '-colorspace', 'gray', '-sketch', '0x8+120'],
    sharp: sketchBare,
  },
  {
    name: 'cartoon',
    prompt: 'cartoon',
    im: (i) => [i, '-median', '5', '-posterize', '6', '(', '+clone', '-colorspace', 'gray', '-edge', '1', '-negate', ')', '-compose', 'multiply', '-composite'],
    sharp: (b) => sharp(b).median(5).modulate({ saturation: 1.35 }),
  },
  { name: 'edges', prompt: 'show only the edges', sharp: edgesBare },
  {
    name: 'emboss',
    prompt: 'emboss',
    im: (i) => [i, '-colorspace', 'gray', '-emboss', '1'],
    sharp: (b) =>
      sharp(b)
        .greyscale()
        .convolve({ width: 3, height: 3, kernel: [-2, -1, 0, -1, 1, 1, 0, 1, 2] }),
  },
  {
    name: 'text (Latin)',
    prompt: 'add text "Hello retouch" at the bottom',
    im: (i) => [i, '-gravity', 'south', '-font', FONT, '-pointsize', '61', '-fill', 'white', '-annotate', '+0+30', 'Hello retouch'],
    sharp: (b) =>
      sharp(b).composite([
        {
          input: { text: { text: '<span foreground="white">Hello retouch</span>', font: 'DejaVu Sans Bold 61px', fontfile: FONT, rgba: true, dpi: 72 } },
          gravity: 'south',
        },
      ]),
  },
  {
    name: 'text (Chinese)',
    prompt: '在底部添加文字“你好，世界”',
    im: (i) => [i, '-gravity', 'south', '-font', NOTO, '-pointsize', '61', '-fill', 'white', '-annotate', '+0+30', '你好，世界'],
    sharp: (b) =>
      sharp(b).composite([
        {
          input: { text: { text: '<span foreground="white">你好，世界</span>', font: 'Noto Sans S Chinese Bold 61px', fontfile: NOTO, rgba: true, dpi: 72 } },
          gravity: 'south',
        },
      ]),
  },
  {
    name: 'overlay image 2',
    prompt: 'put image 2 in the top-right corner',
    images: 2,
    im: (i, j) => [i, '(', j, '-resize', '30%', ')', '-gravity', 'northeast', '-geometry', '+23+23', '-composite'],
    sharp: async (b, c) =>
      sharp(b).composite([
        {
          input: await sharp(c)
            .resize(Math.round(W * 0.3))
            .toBuffer(),
          gravity: 'northeast',
        },
      ]),
  },
  {
    name: 'side by side',
    prompt: 'put the two images side by side',
    images: 2,
    im: (i, j) => [i, j, '+append'],
    // sharp's own join (about twice as fast as composing both onto a canvas).
    sharp: async (b, c) => refit(sharp([b, c], { join: { across: 2 } })),
  },
  {
    name: 'blend 50%',
    prompt: 'blend image 1 and image 2',
    images: 2,
    im: (i, j) => [i, j, '-compose', 'blend', '-define', 'compose:args=50', '-composite'],
    sharp: async (b, c) => sharp(b).composite([{ input: await sharp(c).ensureAlpha(0.5).toBuffer() }]),
  },
];

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

async function main(): Promise<void> {
  const convert = NO_IM ? undefined : imageMagick();
  const imVersion = convert ? (execFileSync(convert, ['-version']).toString().split('\n')[0] ?? '') : 'ImageMagick not run';
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'retouch-bench-'));
  const input = await testImage();
  const input2 = await sharp(input).flop().modulate({ hue: 120 }).png().toBuffer();
  const in1 = join(dir, 'in1.png');
  const in2 = join(dir, 'in2.png');
  writeFileSync(in1, input);
  writeFileSync(in2, input2);
  const engine = createLocalEngine();
  const signal = new AbortController().signal;
  const cases = CASES.filter((c) => !ONLY || ONLY.some((o) => c.name.startsWith(o)));

  const ours = async (c: Case): Promise<void> => {
    const images = c.images === 2 ? [readFileSync(in1), readFileSync(in2)] : [readFileSync(in1)];
    await engine.edit({
      images,
      prompt: c.prompt,
      negativePrompt: '',
      index: 0,
      seed: 1,
      size: c.sizing ? undefined : { width: W, height: H },
      promptExtend: true,
      watermark: false,
      signal,
    });
  };
  const magick = (c: Case): void => {
    if (!c.im || !convert) return;
    const r = spawnSync(convert, [...c.im(in1, in2), join(dir, 'out.png')]);
    if (r.status !== 0) throw new Error(`convert failed for ${c.name}: ${r.stderr.toString().slice(0, 200)}`);
  };
  const bare = async (c: Case): Promise<void> => {
    await (await c.sharp(readFileSync(in1), readFileSync(in2))).png(PNG).toBuffer();
  };

  // Warm-up: fonts, libvips caches, the first process start.
  for (const c of cases) {
    await ours(c);
    magick(c);
    await bare(c);
  }
  const rows: string[] = [];
  for (const c of cases) {
    const t: Record<'ours' | 'im' | 'sharp', number[]> = { ours: [], im: [], sharp: [] };
    for (let i = 0; i < ITERATIONS; i += 1) {
      // Rotate the order each iteration so that none always runs first.
      const order = (['ours', 'im', 'sharp'] as const).map((_, k, a) => a[(k + i) % 3] as 'ours' | 'im' | 'sharp');
      for (const who of order) {
        const start = performance.now();
        if (who === 'ours') await ours(c);
        else if (who === 'im') magick(c);
        else await bare(c);
        t[who].push(performance.now() - start);
      }
    }
    const [o, m, s] = [median(t.ours), median(t.im), median(t.sharp)];
    const im = c.im && convert ? [m.toFixed(1), (o / m).toFixed(2)] : ['—', '—'];
    rows.push(`| ${c.name} | \`${c.prompt}\` | ${o.toFixed(1)} | ${im[0]} | ${s.toFixed(1)} | ${im[1]} | ${(o / s).toFixed(2)} | **${(s / o).toFixed(2)}** |`);
    process.stderr.write('.');
  }
  process.stderr.write('\n');
  await engine.close?.();
  rmSync(dir, { recursive: true, force: true });
  console.log(`Local engine vs ImageMagick vs bare sharp, ${W}×${H} PNG in → PNG out, median of ${ITERATIONS} interleaved runs.`);
  console.log(`${imVersion.trim()}; sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips}); Node ${process.version}.\n`);
  console.log(`PNG: ${JSON.stringify(PNG)} on both sides.\n`);
  console.log('| operation | instruction | ours (ms) | ImageMagick (ms) | bare sharp (ms) | ours / IM | ours / sharp | speed vs sharp |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) console.log(row);
}

/**
 * PNG encode time and size per zlib level and filter, on the synthetic scene and on a photo
 * (face-api's demo sample1.jpg, 1280×960 after resize), interleaved, medians.
 */
async function pngLevels(): Promise<void> {
  const photoPath = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo', 'sample1.jpg');
  const images = {
    scene: await sharp(await sceneImage(1280, 960))
      .raw()
      .toBuffer({ resolveWithObject: true }),
    photo: await sharp(readFileSync(photoPath)).resize(1280, 960, { fit: 'cover' }).removeAlpha().raw().toBuffer({ resolveWithObject: true }),
  };
  const settings = [0, 1, 2, 3, 4, 5, 6, 9].flatMap((level) => [false, true].map((adaptiveFiltering) => ({ compressionLevel: level, adaptiveFiltering })));
  console.log(
    `PNG encode of a 1280×960 RGB image, median of ${ITERATIONS} interleaved rounds; sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips}).\n`,
  );
  console.log('| level | adaptive filter | scene ms | scene KB | photo ms | photo KB |');
  console.log('|---:|---|---:|---:|---:|---:|');
  const t = new Map<string, number[]>();
  const size = new Map<string, number>();
  for (let i = 0; i < ITERATIONS + 1; i += 1) {
    for (const [name, img] of Object.entries(images)) {
      for (const o of settings) {
        const key = `${name}/${o.compressionLevel}/${o.adaptiveFiltering}`;
        const start = performance.now();
        const out = await sharp(img.data, { raw: { width: img.info.width, height: img.info.height, channels: img.info.channels } })
          .png(o)
          .toBuffer();
        if (i > 0) t.set(key, [...(t.get(key) ?? []), performance.now() - start]);
        size.set(key, out.length);
      }
    }
  }
  for (const o of settings) {
    const cell = (name: string) => {
      const key = `${name}/${o.compressionLevel}/${o.adaptiveFiltering}`;
      return `${median(t.get(key) ?? []).toFixed(1)} | ${((size.get(key) ?? 0) / 1024).toFixed(0)}`;
    };
    console.log(`| ${o.compressionLevel} | ${o.adaptiveFiltering ? 'yes' : 'no'} | ${cell('scene')} | ${cell('photo')} |`);
  }
}

/**
 * Where the time of an edit goes: the engine's whole edit against bare sharp doing decode only,
 * decode + the same pixel work to raw, and all of it with the PNG encode, interleaved; plus the
 * main thread's busy time per edit (event-loop utilisation: our JS, sharp's bindings), the rest
 * being libvips' own threads.
 */
async function profile(): Promise<void> {
  const input = await testImage();
  const engine = createLocalEngine();
  const signal = new AbortController().signal;
  const plans: { prompt: string; work: (s: Sharp) => Sharp }[] = [
    {
      prompt: 'grayscale',
      work: (s) =>
        s.recomb([
          [0.299, 0.587, 0.114],
          [0.299, 0.587, 0.114],
          [0.299, 0.587, 0.114],
        ]),
    },
    { prompt: 'blur radius 5', work: (s) => s.blur(5) },
    {
      prompt: 'crop the centre 50%, then more contrast, then sharpen',
      work: (s) =>
        s
          .extract({ left: W / 4, top: H / 4, width: W / 2, height: H / 2 })
          .resize(W, H, { fit: 'cover' })
          .sharpen({ sigma: 1.2 })
          .linear(1.2, -25.6),
    },
  ];
  console.log(`Where an edit's time goes, 1024×768 PNG in and out, median of ${ITERATIONS} interleaved rounds (ms).\n`);
  console.log('| instruction | our edit | main thread busy in it | bare: decode | bare: decode + pixel work | bare: + PNG encode | encode share |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const p of plans) {
    const t: Record<string, number[]> = { ours: [], busy: [], decode: [], work: [], all: [] };
    const steps: Record<string, () => Promise<unknown>> = {
      ours: () =>
        engine.edit({
          images: [input],
          prompt: p.prompt,
          negativePrompt: '',
          index: 0,
          seed: 1,
          size: { width: W, height: H },
          promptExtend: false,
          watermark: false,
          signal,
        }),
      decode: () => sharp(input).raw().toBuffer(),
      work: () => p.work(sharp(input)).raw().toBuffer(),
      all: () => p.work(sharp(input)).png(PNG).toBuffer(),
    };
    for (const f of Object.values(steps)) await f();
    for (let i = 0; i < ITERATIONS; i += 1) {
      for (const [name, f] of Object.entries(steps)) {
        const elu = performance.eventLoopUtilization();
        const start = performance.now();
        await f();
        t[name]!.push(performance.now() - start);
        if (name === 'ours') t.busy!.push(performance.eventLoopUtilization(elu).active);
      }
    }
    const m = (k: string) => median(t[k]!);
    console.log(
      `| \`${p.prompt}\` | ${m('ours').toFixed(1)} | ${m('busy').toFixed(1)} | ${m('decode').toFixed(1)} | ${m('work').toFixed(1)} | ${m('all').toFixed(1)} | ${(((m('all') - m('work')) / m('all')) * 100).toFixed(0)} % |`,
    );
  }
  await engine.close?.();
}

if (args.includes('--png')) await pngLevels();
else if (args.includes('--profile')) await profile();
else await main();
