/**
 * ML models bench: time (cold = first call incl. model load, warm = mean of later calls) and peak
 * RSS per model at 512x512 and 1024x1024, each model in its own child process; then GET latency of a
 * trivial node:http route while ML runs vs idle.
 *
 *   npx tsx bench/ml-models.ts            # everything (about 3-4 minutes on 2 cores)
 *   npx tsx bench/ml-models.ts --quick    # 512 only, no 4x upscale at 1024
 *   npx tsx bench/ml-models.ts --one <model> <size>   # one child run, prints JSON (with
 *                                         # RETOUCH_ONNX_RUNTIME=web: on the WebAssembly fallback)
 *   npx tsx bench/ml-models.ts --compare /work/main [--rounds 3]  # the upscales (2× of 512² and
 *                                         # 1024², 4× of 256²) and text detection (512²) through the ML
 *                                         # worker, cold/warm/peak RSS: this checkout against another
 *                                         # one's --one children, alternated (A B A B), medians
 *   npx tsx bench/ml-models.ts --tiles 1024 [--factor 2]  # upscale in tiles as shipped (256² for 2×,
 *                                         # 128² for 4×), in tiles twice that side and in one piece,
 *                                         # each in its own process, alternated: time and peak RSS
 *   npx tsx bench/ml-models.ts --cpu 1024 [--factor 2]  # 3 upscales through the ML worker: wall and
 *                                         # CPU time of the process (all its threads; the figure to
 *                                         # compare on a loaded machine), recycles, peak RSS
 *   npx tsx bench/ml-models.ts --memory   # peak RSS of 8 concurrent 4096² edits; RSS after a heavy
 *                                         # edit while light ones keep coming, recycling on vs off
 *
 * Inputs: a photo from @vladmandic/face-api's demo/ (devDependency) resized to the size, with text
 * rendered on it; the inpaint mask is the detected text boxes (or a centre rectangle).
 */
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { MlWorkerClient, type Box, type RawImage } from '../src/engines/local/ml/index.js';
import { renderText, samplePhoto } from '../test/engines/ml/helpers.js';

type Model = 'segment' | 'faces' | 'text' | 'inpaint' | 'upscale2' | 'upscale4';
const MODELS: Model[] = ['segment', 'faces', 'text', 'inpaint', 'upscale2', 'upscale4'];

async function input(size: number): Promise<RawImage> {
  const base = await sharp(samplePhoto(2)).resize(size, size, { fit: 'cover' }).removeAlpha().png().toBuffer();
  const pt = Math.round(size / 14);
  const layers = [
    { input: await renderText('Hello World 2024', pt, '#ffffff'), left: Math.round(size * 0.06), top: Math.round(size * 0.08) },
    { input: await renderText('SAMPLE', pt, '#ffff00'), left: Math.round(size * 0.1), top: Math.round(size * 0.8) },
  ];
  const data = await sharp(base).composite(layers).removeAlpha().raw().toBuffer();
  return { data, width: size, height: size, channels: 3 };
}

function maskOf(boxes: Box[], w: number, h: number): Buffer {
  const m = Buffer.alloc(w * h);
  const list = boxes.length ? boxes : [{ x: w * 0.4, y: h * 0.4, width: w * 0.2, height: h * 0.2, score: 1 }];
  for (const b of list) {
    const x0 = Math.round(b.x),
      x1 = Math.round(b.x + b.width);
    for (let y = Math.round(b.y); y < Math.round(b.y + b.height); y++) m.fill(255, y * w + x0, y * w + x1);
  }
  return m;
}

async function one(model: Model, size: number): Promise<void> {
  // RETOUCH_ONNX_RUNTIME=web measures the WebAssembly fallback (as config.ts hands it to the worker).
  const ml = new MlWorkerClient({ workerData: { onnxRuntime: process.env.RETOUCH_ONNX_RUNTIME === 'web' ? 'web' : 'auto' } });
  const signal = new AbortController().signal;
  const img = await input(size);
  const mask = model === 'inpaint' ? maskOf(await ml.detectText(img, signal), size, size) : undefined;
  const run = async (): Promise<void> => {
    switch (model) {
      case 'segment':
        await ml.segmentForeground(img, signal);
        break;
      case 'faces':
        await ml.detectFaces(img, signal);
        break;
      case 'text':
        await ml.detectText(img, signal);
        break;
      case 'inpaint':
        await ml.inpaint(img, mask!, signal);
        break;
      case 'upscale2':
        await ml.upscale(img, 2, signal);
        break;
      case 'upscale4':
        await ml.upscale(img, 4, signal);
        break;
    }
  };
  const rssBefore = process.memoryUsage().rss;
  let t = performance.now();
  await run();
  const cold = performance.now() - t;
  const reps = model.startsWith('upscale') ? (size >= 1024 ? 1 : 2) : 3;
  t = performance.now();
  for (let i = 0; i < reps; i++) await run();
  const warm = (performance.now() - t) / reps;
  await ml.close();
  const out = {
    model,
    size,
    coldMs: Math.round(cold),
    warmMs: Math.round(warm),
    reps,
    baseRssMB: Math.round(rssBefore / 1e6),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1e3),
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}

async function latency(count: number, during?: () => Promise<unknown>): Promise<{ p50: number; p95: number; max: number }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"task_status":"RUNNING"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const get = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const t = performance.now();
      http
        .get({ host: '127.0.0.1', port, path: '/api/v1/tasks/x', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(performance.now() - t));
        })
        .on('error', reject);
    });
  let busy = true;
  const bg = during
    ? (async () => {
        while (busy) await during();
      })()
    : Promise.resolve();
  if (during) await new Promise((r) => setTimeout(r, 1500)); // let the ML work get going
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    times.push(await get());
    await new Promise((r) => setTimeout(r, 10));
  }
  busy = false;
  await bg;
  agent.destroy();
  server.close();
  times.sort((a, b) => a - b);
  const q = (p: number): number => +times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(2);
  return { p50: q(0.5), p95: q(0.95), max: q(1) };
}

/**
 * Child: the local engine as the service runs it. (a) 8 edits of a 4096² JPEG at once ("remove
 * the background" ×4, "blur the background" ×4; the output is 1280² as by default);  (b) then a 4×
 * upscale of 512² (the heaviest heap) followed by 5 light ML edits (faces on 512²): RSS after them.
 */
async function memory(recycleAboveBytes: number): Promise<void> {
  const { createLocalEngine } = await import('../src/engines/local/local-engine.js');
  const engine = createLocalEngine({ mlRecycleAboveBytes: recycleAboveBytes, mlIdleTimeoutMs: 0 });
  const big = await sharp(samplePhoto(2)).resize(4096, 4096, { fit: 'cover' }).jpeg({ quality: 90 }).toBuffer();
  const small = await sharp(samplePhoto(2)).resize(512, 512, { fit: 'cover' }).png().toBuffer();
  const edit = (images: Buffer[], prompt: string, size?: { width: number; height: number }) =>
    engine.edit({ images, prompt, negativePrompt: '', index: 0, seed: 1, size, promptExtend: false, watermark: false, signal: new AbortController().signal });
  const rss = () => Math.round(process.memoryUsage().rss / 1e6);
  const base = rss();
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, rss())), 50);
  const t = performance.now();
  await Promise.all(Array.from({ length: 8 }, (_, i) => edit([big], i % 2 ? 'blur the background' : 'remove the background', { width: 1280, height: 1280 })));
  const concurrentMs = performance.now() - t;
  const peakConcurrent = Math.max(peak, Math.round(process.resourceUsage().maxRSS / 1e3));
  await edit([small], 'upscale 4x');
  const afterHeavy = rss();
  for (let i = 0; i < 5; i++) await edit([small], 'blur the faces');
  const afterLight = rss();
  clearInterval(sampler);
  await engine.close?.();
  process.stdout.write(
    JSON.stringify({
      recycleAboveBytes,
      base,
      peakConcurrent,
      concurrentMs: Math.round(concurrentMs),
      afterHeavy,
      afterLight,
      peakAll: Math.round(process.resourceUsage().maxRSS / 1e3),
    }) + '\n',
  );
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--one') {
    await one(args[1] as Model, Number(args[2]));
    return;
  }
  if (args[0] === '--one-grid') {
    // Child of --tiles: 3 upscales on this thread (no ML worker), with tiles of at most `tile` px per side (0 = one piece).
    const [size, tile, factor] = [Number(args[1]), Number(args[2]), Number(args[3]) as 2 | 4];
    const { upscaleRgb } = await import('../src/engines/local/ml/models/upscale.js');
    const img = await input(size);
    const grid = tile ? { cols: Math.ceil(size / tile), rows: Math.ceil(size / tile) } : { cols: 1, rows: 1 };
    const ms: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      await upscaleRgb({ data: new Uint8Array(img.data), width: size, height: size, channels: 3 }, factor, grid);
      ms.push(Math.round(performance.now() - t));
    }
    process.stdout.write(JSON.stringify({ ms, peakRssMB: Math.round(process.resourceUsage().maxRSS / 1e3) }) + '\n');
    return;
  }
  if (args[0] === '--tiles') {
    const size = Number(args[1]);
    const factor = args.includes('--factor') ? Number(args[args.indexOf('--factor') + 1]) : 2;
    const self = fileURLToPath(import.meta.url);
    const shipped = 512 / factor; // upscale.ts: TILE_OUT / factor
    const runs = new Map<number, { warm: number[]; peak: number[] }>();
    console.error(
      `load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    for (let r = 0; r < 2; r++) {
      for (const tile of r % 2 ? [0, 2 * shipped, shipped] : [shipped, 2 * shipped, 0]) {
        const j = child(self, process.cwd(), ['--one-grid', String(size), String(tile), String(factor)]) as { ms: number[]; peakRssMB: number };
        const e = runs.get(tile) ?? { warm: [], peak: [] };
        e.warm.push(...j.ms.slice(1)); // the first run loads the model
        e.peak.push(j.peakRssMB);
        runs.set(tile, e);
      }
    }
    console.error(
      `load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    const base = median(runs.get(shipped)!.warm);
    console.log(`| ${factor}× of ${size}², tiles of | warm (s), median of ${runs.get(shipped)!.warm.length} | / ${shipped}² tiles (shipped) | peak RSS (MB) |`);
    console.log('|---|---:|---:|---:|');
    for (const [tile, e] of runs) {
      console.log(
        `| ${tile ? `${tile}²` : 'one piece'} | ${(median(e.warm) / 1000).toFixed(2)} | ${(median(e.warm) / base).toFixed(2)} | ${Math.min(...e.peak)}–${Math.max(...e.peak)} |`,
      );
    }
    process.exit(0);
  }
  if (args[0] === '--compare') {
    const other = path.resolve(args[1] ?? '');
    const rounds = args.includes('--rounds') ? Number(args[args.indexOf('--rounds') + 1]) : 3;
    const self = fileURLToPath(import.meta.url);
    const cases: [Model, number][] = [
      ['upscale2', 512],
      ['upscale2', 1024],
      ['upscale4', 256],
      ['text', 512],
    ];
    type One = { coldMs: number; warmMs: number; peakRssMB: number };
    const res = new Map<string, { a: One[]; b: One[] }>();
    const start = loadavg();
    for (let r = 0; r < rounds; r++) {
      for (const [model, size] of cases) {
        const e = res.get(`${model} ${size}`) ?? { a: [], b: [] };
        // A = the other checkout (the baseline), B = this one; the order alternates per round.
        for (const who of r % 2 ? (['b', 'a'] as const) : (['a', 'b'] as const)) {
          const root = who === 'a' ? other : path.resolve(path.dirname(self), '..');
          e[who].push(child(path.join(root, 'bench/ml-models.ts'), root, ['--one', model, String(size)]) as One);
        }
        res.set(`${model} ${size}`, e);
        console.error(`round ${r + 1} ${model} ${size}: A ${JSON.stringify(e.a.at(-1))} B ${JSON.stringify(e.b.at(-1))}`);
      }
    }
    const end = loadavg();
    const f = (ms: number) => (ms / 1000).toFixed(2);
    console.log(`A = ${other}, B = this checkout; medians of ${rounds} alternated child processes; load ${start[0]!.toFixed(2)} → ${end[0]!.toFixed(2)}`);
    console.log('| case | A cold (s) | B cold (s) | A warm (s) | B warm (s) | warm A / B | A peak RSS (MB) | B peak RSS (MB) |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const [name, { a, b }] of res) {
      const m = (xs: One[], k: keyof One) => median(xs.map((x) => x[k]));
      console.log(
        `| ${name.replace('upscale2', '2× upscale of').replace('upscale4', '4× upscale of').replace('text', 'text detection of')}² | ${f(m(a, 'coldMs'))} | ${f(m(b, 'coldMs'))} | ${f(m(a, 'warmMs'))} | ${f(m(b, 'warmMs'))} | **${(m(a, 'warmMs') / m(b, 'warmMs')).toFixed(2)}×** | ${m(a, 'peakRssMB')} | ${m(b, 'peakRssMB')} |`,
      );
    }
    process.exit(0);
  }
  if (args[0] === '--cpu') {
    const size = Number(args[1]);
    const factor = (args.includes('--factor') ? Number(args[args.indexOf('--factor') + 1]) : 2) as 2 | 4;
    const ml = new MlWorkerClient();
    const img = await input(size);
    for (let i = 0; i < 3; i++) {
      const cpu = process.cpuUsage();
      const t = performance.now();
      await ml.upscale(img, factor, new AbortController().signal);
      const c = process.cpuUsage(cpu);
      console.log(
        `| ${factor}× of ${size}², call ${i + 1} | ${((performance.now() - t) / 1000).toFixed(2)} | ${((c.user + c.system) / 1e6).toFixed(2)} | ${ml.recycles} |`,
      );
    }
    console.log(`peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`);
    await ml.close();
    process.exit(0);
  }
  if (args[0] === '--memory-child') {
    await memory(Number(args[1]));
    return;
  }
  if (args[0] === '--memory') {
    const self = fileURLToPath(import.meta.url);
    console.log(
      '| recycle above | peak RSS, 8 concurrent 4096² edits (MB) | their wall time (s) | RSS after a 4× upscale of 512² (MB) | RSS after 5 more light ML edits (MB) |',
    );
    console.log('|---|---:|---:|---:|---:|');
    for (const limit of [768 * 1024 * 1024, 0]) {
      const r = spawnSync(process.execPath, [...process.execArgv, self, '--memory-child', String(limit)], { encoding: 'utf8', maxBuffer: 1 << 24 });
      const line = r.stdout.trim().split('\n').pop() ?? '';
      if (r.status !== 0 || !line.startsWith('{')) {
        console.log(`| ${limit} | failed: ${(r.stderr || '').trim().split('\n').slice(-3).join(' ')} | | | |`);
        continue;
      }
      const j = JSON.parse(line) as { peakConcurrent: number; concurrentMs: number; afterHeavy: number; afterLight: number };
      console.log(
        `| ${limit ? `${limit / 1024 / 1024} MiB (default)` : 'never (0)'} | ${j.peakConcurrent} | ${(j.concurrentMs / 1000).toFixed(1)} | ${j.afterHeavy} | ${j.afterLight} |`,
      );
    }
    return;
  }
  const quick = args.includes('--quick');
  const self = fileURLToPath(import.meta.url);
  const rows: string[] = [];
  rows.push('| model | size | cold (ms, incl. load) | warm (ms) | peak RSS (MB) |', '|---|---|---|---|---|');
  for (const size of quick ? [512] : [512, 1024]) {
    for (const model of MODELS) {
      if (quick && model === 'upscale4' && size > 512) continue;
      const r = spawnSync(process.execPath, [...process.execArgv, self, '--one', model, String(size)], { encoding: 'utf8', maxBuffer: 1 << 24 });
      const line = r.stdout.trim().split('\n').pop() ?? '';
      if (r.status !== 0 || !line.startsWith('{')) {
        rows.push(`| ${model} | ${size} | failed: ${(r.stderr || '').trim().split('\n').slice(-1)[0]} | | |`);
        continue;
      }
      const j = JSON.parse(line) as { coldMs: number; warmMs: number; reps: number; peakRssMB: number };
      rows.push(`| ${model} | ${size}² | ${j.coldMs} | ${j.warmMs} (n=${j.reps}) | ${j.peakRssMB} |`);
      console.error(rows[rows.length - 1]);
    }
  }
  console.log(rows.join('\n'));

  const ml = new MlWorkerClient();
  const signal = new AbortController().signal;
  const img = await input(512);
  await ml.upscale(img, 2, signal); // load before measuring
  await ml.detectFaces(img, signal);
  const idle = await latency(200);
  const busy = await latency(200, () => Promise.all([ml.upscale(img, 2, signal), ml.detectFaces(img, signal), ml.segmentForeground(img, signal)]));
  await ml.close();
  console.log('\nGET latency, 200 sequential requests on 127.0.0.1 (ms):');
  console.log('| state | p50 | p95 | max |\n|---|---|---|---|');
  console.log(`| idle | ${idle.p50} | ${idle.p95} | ${idle.max} |`);
  console.log(`| ML running (2x upscale + faces + matte, 512², in a loop) | ${busy.p50} | ${busy.p95} | ${busy.max} |`);
  console.log(`ratio busy/idle: p50 ${(busy.p50 / idle.p50).toFixed(2)}, p95 ${(busy.p95 / idle.p95).toFixed(2)}`);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs `script args` in a child process (cwd `root`) and parses the JSON its last line prints. */
function child(script: string, root: string, args: string[]): unknown {
  const r = spawnSync(process.execPath, [...process.execArgv, script, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 24 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{'))
    throw new Error(`${script} ${args.join(' ')} failed: ${(r.stderr || '').trim().split('\n').slice(-3).join(' ')}`);
  return JSON.parse(line);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
