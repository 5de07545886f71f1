/**
 * Core bench (issue 2): every figure is a ratio against a baseline measured side by side in the
 * same run, rounds interleaved (retouch, baseline, retouch, baseline, ...), medians reported.
 *
 *   npx tsx bench/core.ts                 # build dist/ if stale, then (a), (b), (c): about 2 minutes
 *   npx tsx bench/core.ts --only a,b      # a subset
 *   npx tsx bench/core.ts --quick         # fewer/shorter rounds (a smoke run, not for docs)
 *   npx tsx bench/core.ts --cpu-prof DIR  # also write V8 CPU profiles of both servers to DIR/{retouch,baseline}
 *   npx tsx bench/core.ts --json FILE     # also write the figures as JSON
 *   npx tsx bench/core.ts --no-build      # use dist/ as it is (warns when it is stale)
 *   npx tsx bench/core.ts --env K=V       # extra retouch environment (experiments; repeatable)
 *   npx tsx bench/core.ts --baseline-fsync  # (b) baseline writes durably like retouch (experiments)
 *   npx tsx bench/core.ts --b-input flat    # (b) with the smallest valid input (a flat 384x384 PNG)
 *
 * Both servers are child processes on loopback (the load generator is this process):
 *   retouch   `node bin/retouch.js serve`, test engine on, log level silent, 2 workers, rate limits
 *             off (RETOUCH_RATE_LIMIT_SUBMIT=0, RETOUCH_RATE_LIMIT_QUERY=0), a fresh data dir
 *   baseline  bench/lib/baseline-server.ts: bare Fastify + better-sqlite3 + sharp, no hooks or auth
 *
 * (a) GET /api/v1/tasks/{id} of a SUCCEEDED task (n=1, one signed URL) vs a bare Fastify route
 *     and a bare node:http server sending the same JSON bytes. autocannon, 32 connections,
 *     keep-alive; rounds interleaved retouch, Fastify, node:http.
 * (b) create -> SUCCEEDED with the no-op test engine (model retouch-test, n=1, a 400x400 PNG data
 *     URI, seed 1 so that the engine's cached PNG is reused; `--b-input flat`: a flat 384x384 PNG), N tasks per round, 8 creates in flight
 *     from autocannon (a light client), completion seen by polling the list endpoint
 *     (status=SUCCEEDED, total) every 25 ms; vs the baseline's minimal create (parse JSON, decode
 *     base64, write the file, INSERT + UPDATE a SQLite row, answer the id) at the same concurrency.
 * (c) wan2.5-i2i-preview "convert to grayscale", n=1, a 1280x960 JPEG photo, 2 tasks in flight:
 *     create -> poll GET every 20 ms -> download the PNG; vs bare sharp in the baseline process:
 *     sharp(jpeg).grayscale().resize(W, H).png().toBuffer(), 2 at once, W x H = retouch's default
 *     output size for the input (1472x1104).
 * Each also reports the server processes' CPU time per request/task/edit (user + system, all
 * threads, from /proc; the load generator excluded): on a shared machine that is the steadier
 * figure, throughput moves with the neighbours' load.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import sharp from 'sharp';
import { defaultOutputSize } from '@retouch/sdk/protocol';
import { call, CREATE_PATH, createBody, createTask, getTask, imageDataUri, testImage, waitForStatus } from '../test/helpers/http.js';
import { BENCH_KEY, processCpuMs, REPO_ROOT, spawnBaseline, spawnRetouch, type Child } from './lib/procs.js';
import { fmt, median, pool } from './lib/stats.js';

const { values: args } = parseArgs({
  options: {
    only: { type: 'string', default: 'a,b,c' },
    quick: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    json: { type: 'string' },
    // Experiments: extra environment for the retouch server, e.g. --env RETOUCH_WORKER_CONCURRENCY=8.
    env: { type: 'string', multiple: true, default: [] },
    // Experiments: the (b) baseline writes its file durably (temp file, fsync, rename) like retouch.
    'baseline-fsync': { type: 'boolean', default: false },
    // Development aid: run `bin/retouch.js` from another checkout (its dist/ must be built).
    'retouch-root': { type: 'string' },
    // (b) the input: `gradient`, a 400x400 PNG with a gradient (a 156 KB data URI), or `flat`, the
    // smallest image the protocol accepts, a flat grey 384x384 PNG (~1.8 KB): the pipeline's own
    // cost per task, with almost no bytes to parse, decode and write.
    'b-input': { type: 'string', default: 'gradient' },
  },
});
const only = new Set(args.only!.split(',').map((s) => s.trim()));
const quick = args.quick!;
const retouchRoot = resolve(args['retouch-root'] ?? REPO_ROOT);

const P = {
  a: { rounds: quick ? 2 : 4, seconds: quick ? 2 : 4, warmup: quick ? 1 : 2, connections: 32 },
  b: { rounds: quick ? 2 : 5, tasks: quick ? 100 : 200, concurrency: 8, pollMs: 25 },
  c: { rounds: quick ? 2 : 4, edits: quick ? 4 : 8, concurrency: 2, pollMs: 20 },
};

const started = Date.now();
const log = (msg: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}\n`);

// ---------------------------------------------------------------------------------- build

function staleSources(root: string): string[] {
  const stale: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        const out = join(root, 'dist', relative(join(root, 'src'), path)).replace(/\.ts$/, '.js');
        if (!existsSync(out) || statSync(out).mtimeMs < statSync(path).mtimeMs) stale.push(relative(root, path));
      }
    }
  };
  walk(join(root, 'src'));
  return stale;
}

function ensureBuilt(): void {
  const stale = staleSources(retouchRoot);
  if (stale.length === 0) {
    log('dist/ is up to date');
    return;
  }
  if (args['no-build']) {
    log(`WARNING: dist/ is older than ${stale.length} source file(s), e.g. ${stale[0]}; --no-build given`);
    return;
  }
  log(`dist/ is stale (${stale.length} file(s), e.g. ${stale[0]}): npm run build`);
  const r = spawnSync('npm', ['run', 'build'], { cwd: retouchRoot, stdio: ['ignore', 'inherit', 'inherit'], timeout: 240_000 });
  if (r.status !== 0) throw new Error('npm run build failed; the bench needs a compiling tree');
}

// ---------------------------------------------------------------------------------- (a)

interface Row {
  label: string;
  retouch: number;
  baseline: number;
  digits?: number;
  /** For latencies: lower is better, so the ratio is still retouch / baseline. */
  unit: string;
  rounds?: { retouch: number[]; baseline: number[] };
}

/** Percentile of sorted values (nearest rank). */
function percentile(sorted: Float64Array, p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : Number.NaN;
}

/** Runs `fn` and reports the CPU time process `pid` used meanwhile (NaN without /proc). */
async function withCpu<T>(pid: number | undefined, fn: () => Promise<T>): Promise<{ value: T; cpuMs: number }> {
  const before = processCpuMs(pid);
  const value = await fn();
  const after = processCpuMs(pid);
  return { value, cpuMs: before === undefined || after === undefined ? Number.NaN : after - before };
}

async function cannon(url: string, seconds: number, pid?: number) {
  const cpuBefore = processCpuMs(pid);
  // autocannon's own latency histogram has 1 ms resolution; record sub-ms response times here.
  const max = 2_000_000;
  const times = new Float64Array(max);
  let count = 0;
  const run = autocannon({
    url,
    connections: P.a.connections,
    duration: seconds,
    headers: { Authorization: `Bearer ${BENCH_KEY}` },
  });
  run.on('response', (_client, _status, _bytes, ms) => {
    if (count < max) times[count++] = ms;
  });
  const r = await run;
  if (r.errors || r.timeouts || r.non2xx) throw new Error(`autocannon ${url}: ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx`);
  const cpuAfter = processCpuMs(pid);
  const cpuUs = cpuBefore === undefined || cpuAfter === undefined ? Number.NaN : ((cpuAfter - cpuBefore) * 1000) / r.requests.total;
  const sorted = times.subarray(0, count).sort();
  return { rps: r.requests.total / r.duration, p50: percentile(sorted, 50), p99: percentile(sorted, 99), cpuUs };
}

async function benchA(retouch: Child, baseline: Awaited<ReturnType<typeof spawnBaseline>>): Promise<Row[]> {
  const body = createBody([await imageDataUri(400, 400)], 'bench no-op', { n: 1 }, 'retouch-test');
  const created = await createTask(retouch.url, BENCH_KEY, body);
  if (created.status !== 200) throw new Error(`create: ${created.status} ${JSON.stringify(created.body)}`);
  const id: string = created.body.output.task_id;
  await waitForStatus(retouch.url, BENCH_KEY, id, ['SUCCEEDED']);
  const res = await fetch(`${retouch.url}/api/v1/tasks/${id}`, { headers: { Authorization: `Bearer ${BENCH_KEY}` } });
  const json = await res.text();
  if (!/"url":"http/.test(json)) throw new Error(`expected a signed URL in ${json}`);
  await baseline.call({ cmd: 'setGetBody', body: json });
  const check = await (await fetch(`${baseline.url}/api/v1/tasks/${id}`)).text();
  if (check !== json) throw new Error('baseline does not return the same bytes');
  log(`(a) GET body: ${Buffer.byteLength(json)} bytes`);

  const check2 = await (await fetch(`${baseline.httpUrl}/api/v1/tasks/${id}`)).text();
  if (check2 !== json) throw new Error('the node:http baseline does not return the same bytes');

  const urls = { retouch: `${retouch.url}/api/v1/tasks/${id}`, fastify: `${baseline.url}/api/v1/tasks/${id}`, http: `${baseline.httpUrl}/api/v1/tasks/${id}` };
  for (const url of Object.values(urls)) await cannon(url, P.a.warmup);
  type Result = Awaited<ReturnType<typeof cannon>>;
  const r = { retouch: [] as Result[], fastify: [] as Result[], http: [] as Result[] };
  for (let i = 0; i < P.a.rounds; i++) {
    r.retouch.push(await cannon(urls.retouch, P.a.seconds, retouch.child.pid));
    r.fastify.push(await cannon(urls.fastify, P.a.seconds, baseline.child.pid));
    r.http.push(await cannon(urls.http, P.a.seconds, baseline.child.pid));
    log(
      `(a) round ${i + 1}: retouch ${fmt(r.retouch.at(-1)!.rps, 0)} req/s, bare Fastify ${fmt(r.fastify.at(-1)!.rps, 0)}, bare node:http ${fmt(r.http.at(-1)!.rps, 0)}`,
    );
  }
  type K = 'rps' | 'p50' | 'p99' | 'cpuUs';
  const row = (label: string, k: K, unit: string, digits: number, against: 'fastify' | 'http'): Row => {
    const rounds = { retouch: r.retouch.map((x) => x[k]), baseline: r[against].map((x) => x[k]) };
    const name = against === 'fastify' ? 'bare Fastify' : 'bare node:http';
    return { label: `${label} (vs ${name})`, unit, digits, retouch: median(rounds.retouch), baseline: median(rounds.baseline), rounds };
  };
  return (['http', 'fastify'] as const).flatMap((against) => [
    row('(a) GET task: throughput', 'rps', 'req/s', 0, against),
    row('(a) GET task: latency p50', 'p50', 'ms', 2, against),
    row('(a) GET task: latency p99', 'p99', 'ms', 2, against),
    row('(a) GET task: server CPU per request', 'cpuUs', 'µs', 0, against),
  ]);
}

// ---------------------------------------------------------------------------------- (b)

async function succeededTotal(url: string): Promise<number> {
  const res = await call(`${url}/api/v1/tasks?status=SUCCEEDED&page_size=1`, { key: BENCH_KEY });
  if (res.status !== 200) throw new Error(`list: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.total as number;
}

/**
 * `count` creates, `P.b.concurrency` in flight, from autocannon: a light client (~0.1 ms of CPU
 * per request), so that on two shared cores the load generator takes little from the servers
 * (fetch took about 1 ms per create, as much as the bare baseline's whole create).
 */
async function submitAll(url: string, bodyJson: string, count: number): Promise<number> {
  const started = performance.now();
  let lastMs = 0;
  const run = autocannon({
    url: url + CREATE_PATH,
    method: 'POST',
    body: bodyJson,
    amount: count,
    connections: P.b.concurrency,
    headers: { Authorization: `Bearer ${BENCH_KEY}`, 'Content-Type': 'application/json', 'X-DashScope-Async': 'enable' },
  });
  // autocannon resolves on its next 1 s tick after the last answer: time the answers themselves.
  run.on('response', () => (lastMs = performance.now() - started));
  const r = await run;
  if (r.errors || r.timeouts || r.non2xx || r['2xx'] !== count) {
    throw new Error(`create: ${r['2xx']} of ${count} answered 2xx (${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx)`);
  }
  return lastMs;
}

async function retouchRoundB(url: string, pid: number | undefined, bodyJson: string, count: number) {
  const before = await succeededTotal(url);
  const cpuBefore = processCpuMs(pid);
  const t0 = performance.now();
  let createsMs = 0;
  const submitted = submitAll(url, bodyJson, count).then((ms) => (createsMs = ms));
  let failure: unknown;
  submitted.catch((err) => (failure = err));
  const deadline = t0 + 60_000;
  for (;;) {
    if (failure) throw failure;
    if ((await succeededTotal(url)) >= before + count) break;
    if (performance.now() > deadline) throw new Error('(b) tasks did not all succeed within 60 s');
    await sleep(P.b.pollMs);
  }
  const ms = performance.now() - t0;
  const cpuAfter = processCpuMs(pid);
  await submitted;
  const failed = await call(`${url}/api/v1/tasks?status=FAILED&page_size=1`, { key: BENCH_KEY });
  if (failed.body.total !== 0) throw new Error(`(b) ${failed.body.total} tasks FAILED`);
  const cpuPerTask = cpuBefore === undefined || cpuAfter === undefined ? Number.NaN : (cpuAfter - cpuBefore) / count;
  return { tasksPerS: (count * 1000) / ms, createsPerS: (count * 1000) / createsMs, cpuPerTask };
}

async function baselineRoundB(url: string, pid: number | undefined, bodyJson: string, count: number) {
  const { value: ms, cpuMs } = await withCpu(pid, () => submitAll(url, bodyJson, count));
  return { tasksPerS: (count * 1000) / ms, cpuPerTask: cpuMs / count };
}

async function benchB(retouch: Child, baseline: Child): Promise<Row[]> {
  // A fixed seed: the test engine caches its flat PNG per size and colour, and the colour comes
  // from the seed; with a random seed per task every task would encode a fresh 1280x1280 PNG
  // (~12 ms of CPU), which is engine work, not pipeline overhead.
  const input =
    args['b-input'] === 'flat'
      ? `data:image/png;base64,${(
          await sharp({ create: { width: 384, height: 384, channels: 3, background: '#808080' } })
            .png()
            .toBuffer()
        ).toString('base64')}`
      : await imageDataUri(400, 400);
  const bodyJson = JSON.stringify(createBody([input], 'bench no-op', { n: 1, seed: 1 }, 'retouch-test'));
  log(`(b) create body: ${Buffer.byteLength(bodyJson)} bytes`);
  await retouchRoundB(retouch.url, retouch.child.pid, bodyJson, 50);
  await baselineRoundB(baseline.url, baseline.child.pid, bodyJson, 50);
  const rt: number[] = [];
  const rtCreates: number[] = [];
  const bl: number[] = [];
  const cpu = { retouch: [] as number[], baseline: [] as number[] };
  for (let i = 0; i < P.b.rounds; i++) {
    const a = await retouchRoundB(retouch.url, retouch.child.pid, bodyJson, P.b.tasks);
    const b = await baselineRoundB(baseline.url, baseline.child.pid, bodyJson, P.b.tasks);
    cpu.retouch.push(a.cpuPerTask);
    cpu.baseline.push(b.cpuPerTask);
    rt.push(a.tasksPerS);
    rtCreates.push(a.createsPerS);
    bl.push(b.tasksPerS);
    log(`(b) round ${i + 1}: retouch ${fmt(a.tasksPerS)} tasks/s (creates answered at ${fmt(a.createsPerS)}/s), baseline ${fmt(b.tasksPerS)}/s`);
  }
  return [
    {
      label: '(b) create→SUCCEEDED, no-op engine',
      unit: 'tasks/s',
      digits: 1,
      retouch: median(rt),
      baseline: median(bl),
      rounds: { retouch: rt, baseline: bl },
    },
    {
      label: '(b) … of which: creates answered',
      unit: 'creates/s',
      digits: 1,
      retouch: median(rtCreates),
      baseline: median(bl),
      rounds: { retouch: rtCreates, baseline: bl },
    },
    { label: '(b) server CPU per task', unit: 'ms', digits: 2, retouch: median(cpu.retouch), baseline: median(cpu.baseline), rounds: cpu },
  ];
}

// ---------------------------------------------------------------------------------- (c)

const requireFrom = createRequire(import.meta.url);

/** A 1280x960 JPEG photo (from @vladmandic/face-api's demo/, a devDependency), or a synthetic one. */
async function editInput(): Promise<{ jpeg: Buffer; source: string }> {
  let source = 'synthetic gradient (face-api demo photo not found)';
  let image: sharp.Sharp;
  try {
    const dir = join(requireFrom.resolve('@vladmandic/face-api'), '../../demo');
    const photo = join(dir, 'sample1.jpg');
    if (!existsSync(photo)) throw new Error('missing');
    image = sharp(photo);
    source = '@vladmandic/face-api demo/sample1.jpg';
  } catch {
    image = sharp(await testImage(1280, 960, 'png'));
  }
  const jpeg = await image.resize(1280, 960, { fit: 'cover' }).jpeg({ quality: 90 }).toBuffer();
  return { jpeg, source };
}

async function retouchEdit(url: string, bodyJson: string, expect?: { width: number; height: number }): Promise<number> {
  const created = await createTask(url, BENCH_KEY, bodyJson);
  if (created.status !== 200) throw new Error(`(c) create: ${created.status} ${JSON.stringify(created.body)}`);
  const id: string = created.body.output.task_id;
  const deadline = performance.now() + 60_000;
  for (;;) {
    const res = await getTask(url, BENCH_KEY, id);
    const status = res.body?.output?.task_status;
    if (status === 'SUCCEEDED') {
      const png = Buffer.from(await (await fetch(res.body.output.results[0].url)).arrayBuffer());
      if (expect) {
        const meta = await sharp(png).metadata();
        if (meta.format !== 'png' || meta.width !== expect.width || meta.height !== expect.height) {
          throw new Error(`(c) unexpected output ${meta.format} ${meta.width}x${meta.height}`);
        }
        log(`(c) retouch output: PNG ${meta.width}x${meta.height}, ${meta.channels} channel(s), ${png.length} bytes`);
      }
      return png.length;
    }
    if (status !== 'PENDING' && status !== 'RUNNING') throw new Error(`(c) task ${status}: ${JSON.stringify(res.body.output)}`);
    if (performance.now() > deadline) throw new Error('(c) edit did not finish within 60 s');
    await sleep(P.c.pollMs);
  }
}

async function benchC(retouch: Child, baseline: Awaited<ReturnType<typeof spawnBaseline>>, dataDir: string): Promise<Row[]> {
  const { jpeg, source } = await editInput();
  const inputPath = join(dataDir, 'edit-input.jpg');
  writeFileSync(inputPath, jpeg);
  const out = defaultOutputSize(1280, 960);
  log(`(c) input: 1280x960 JPEG, ${jpeg.length} bytes, from ${source}; output ${out.width}x${out.height}`);
  const bodyJson = JSON.stringify(createBody([`data:image/jpeg;base64,${jpeg.toString('base64')}`], 'convert to grayscale', { n: 1 }, 'wan2.5-i2i-preview'));
  const sharpRound = (count: number) =>
    baseline.call<{ ms: number; bytes: number; channels: number }>({
      cmd: 'sharp',
      inputPath,
      width: out.width,
      height: out.height,
      count,
      concurrency: P.c.concurrency,
    });
  const retouchRound = async (count: number) => {
    const t0 = performance.now();
    const { cpuMs } = await withCpu(retouch.child.pid, () => pool(count, P.c.concurrency, () => retouchEdit(retouch.url, bodyJson).then(() => undefined)));
    return { perS: (count * 1000) / (performance.now() - t0), cpuPerEdit: cpuMs / count };
  };
  const bareRound = async (count: number) => {
    const { value, cpuMs } = await withCpu(baseline.child.pid, () => sharpRound(count));
    return { perS: (count * 1000) / value.ms, cpuPerEdit: cpuMs / count };
  };

  await retouchEdit(retouch.url, bodyJson, out); // checks the output, warms the engine
  await retouchRound(P.c.concurrency);
  const warm = await sharpRound(P.c.concurrency);
  log(`(c) baseline output: PNG, ${warm.channels} channel(s), ${Math.round(warm.bytes / P.c.concurrency)} bytes`);
  const rt: number[] = [];
  const bl: number[] = [];
  const cpu = { retouch: [] as number[], baseline: [] as number[] };
  for (let i = 0; i < P.c.rounds; i++) {
    const a = await retouchRound(P.c.edits);
    const b = await bareRound(P.c.edits);
    rt.push(a.perS);
    bl.push(b.perS);
    cpu.retouch.push(a.cpuPerEdit);
    cpu.baseline.push(b.cpuPerEdit);
    log(`(c) round ${i + 1}: retouch ${fmt(rt.at(-1)!, 2)} edits/s, bare sharp ${fmt(bl.at(-1)!, 2)} edits/s`);
  }
  return [
    {
      label: '(c) grayscale edit, 1280x960 JPEG → 1472x1104 PNG',
      unit: 'edits/s',
      digits: 2,
      retouch: median(rt),
      baseline: median(bl),
      rounds: { retouch: rt, baseline: bl },
    },
    { label: '(c) server CPU per edit', unit: 'ms', digits: 0, retouch: median(cpu.retouch), baseline: median(cpu.baseline), rounds: cpu },
  ];
}

// ---------------------------------------------------------------------------------- main

/** Which code was measured (read-only git commands). */
function gitDescribe(): string {
  const git = (...a: string[]) => spawnSync('git', a, { cwd: retouchRoot, encoding: 'utf8' });
  const head = git('rev-parse', '--short', 'HEAD');
  if (head.status !== 0) return 'not a git checkout';
  const dirty = git('status', '--porcelain', '--', 'src').stdout.split('\n').filter(Boolean).length;
  return `${head.stdout.trim()}${dirty ? ` + ${dirty} uncommitted change(s) under src/` : ''}`;
}

function table(rows: Row[]): string {
  const lines = [
    '| measure | unit | retouch | baseline | ratio retouch/baseline | per-round ratios, min–max | rounds (retouch ; baseline) |',
    '|---|---|---:|---:|---:|---:|---|',
  ];
  for (const r of rows) {
    const d = r.digits ?? 1;
    const rounds = r.rounds ? `${r.rounds.retouch.map((v) => fmt(v, d)).join(', ')} ; ${r.rounds.baseline.map((v) => fmt(v, d)).join(', ')}` : '';
    const pairs = r.rounds ? r.rounds.retouch.map((v, i) => v / r.rounds!.baseline[i]!) : [];
    const spread = pairs.length ? `${fmt(Math.min(...pairs), 2)}–${fmt(Math.max(...pairs), 2)}` : '';
    lines.push(`| ${r.label} | ${r.unit} | ${fmt(r.retouch, d)} | ${fmt(r.baseline, d)} | **${fmt(r.retouch / r.baseline, 2)}** | ${spread} | ${rounds} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const command = `npx tsx bench/core.ts${process.argv.slice(2).length ? ' ' + process.argv.slice(2).join(' ') : ''}`;
  const machine = {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    loadavg: loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
    tree: gitDescribe(),
  };
  log(`machine: ${machine.cores} cores (${machine.cpu}), node ${machine.node}, load ${machine.loadavg}`);
  ensureBuilt();

  const tmp = mkdtempSync(join(tmpdir(), 'retouch-bench-'));
  const retouchData = join(tmp, 'retouch');
  const baselineData = join(tmp, 'baseline');
  for (const d of [retouchData, baselineData]) mkdirSync(d);
  const profDir = args['cpu-prof'] ? resolve(args['cpu-prof']) : undefined;
  const children: Child[] = [];
  const rows: Row[] = [];
  // Ctrl-C: do not leave the servers behind.
  const interrupted = () => {
    for (const c of children) c.child.kill('SIGTERM');
    rmSync(tmp, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const retouch = await spawnRetouch({
      root: retouchRoot,
      dataDir: retouchData,
      // The pipeline's ceiling is measured, so the per-workspace rate limits (5 submits/s and
      // 20 queries/s by default, DashScope's) are off.
      env: {
        RETOUCH_WORKER_CONCURRENCY: '2',
        RETOUCH_RATE_LIMIT_SUBMIT: '0',
        RETOUCH_RATE_LIMIT_QUERY: '0',
        ...Object.fromEntries(args.env!.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])),
      },
      nodeArgs: profDir ? ['--cpu-prof', `--cpu-prof-dir=${join(profDir, 'retouch')}`] : [],
    });
    children.push(retouch);
    const baseline = await spawnBaseline({
      dataDir: baselineData,
      env: args['baseline-fsync'] ? { BENCH_FSYNC: '1' } : {},
      nodeArgs: profDir ? ['--cpu-prof', `--cpu-prof-dir=${join(profDir, 'baseline')}`] : [],
    });
    children.push(baseline);
    log(`retouch at ${retouch.url} (pid ${retouch.child.pid}), baseline at ${baseline.url} (pid ${baseline.child.pid})`);

    if (only.has('a')) rows.push(...(await benchA(retouch, baseline)));
    if (only.has('b')) rows.push(...(await benchB(retouch, baseline)));
    if (only.has('c')) rows.push(...(await benchC(retouch, baseline, tmp)));
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    rmSync(tmp, { recursive: true, force: true });
  }

  const seconds = (Date.now() - started) / 1000;
  const report = [
    `Command: \`${command}\``,
    `Machine: ${machine.cores} cores (${machine.cpu}), Node ${machine.node}, load average at start ${machine.loadavg}; whole run ${seconds.toFixed(0)} s.`,
    `Code: ${machine.tree}.`,
    '',
    table(rows),
    '',
    `Ratio = median(retouch) / median(baseline); for latencies and CPU lower is better, so there a ratio above 1 is overhead. ` +
      'Server CPU = user + system time of the server process (all threads) from /proc, load generator excluded. ' +
      `Medians over interleaved rounds (retouch, baseline, retouch, …). (a) ${P.a.rounds}×${P.a.seconds} s each, autocannon ${P.a.connections} connections; ` +
      `(b) ${P.b.rounds} rounds × ${P.b.tasks} tasks, ${P.b.concurrency} creates in flight; (c) ${P.c.rounds} rounds × ${P.c.edits} edits, ${P.c.concurrency} in flight.`,
  ].join('\n');
  process.stdout.write(report + '\n');
  if (profDir) process.stdout.write(`CPU profiles written to ${profDir}/retouch and ${profDir}/baseline\n`);
  if (args.json) writeFileSync(args.json, JSON.stringify({ command, machine, seconds, rows }, null, 2) + '\n');
}

await main();
