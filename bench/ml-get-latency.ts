/**
 * GET-task latency on a real retouch server while ML edits run, against the same server idle:
 * the ML models run in a worker thread, so polling must stay fast while they work.
 *
 *   npm run build && npx tsx bench/ml-get-latency.ts
 *
 * Interleaved rounds: idle (no task running) then busy (two ML edits running: upscale 2× and
 * background removal on a 1024×768 photo-like image); each round times 300 sequential GETs of a
 * SUCCEEDED task. Prints p50/p99 per phase and the busy/idle ratio.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { BENCH_KEY, spawnRetouch } from './lib/procs.js';
import { fmt, median } from './lib/stats.js';

const ROUNDS = 3;
const GETS = 300;
const CREATE = '/api/v1/services/aigc/image2image/image-synthesis';

async function call(url: string, body?: unknown): Promise<any> {
  const res = await fetch(url, {
    method: body ? 'POST' : 'GET',
    headers: { Authorization: `Bearer ${BENCH_KEY}`, 'X-DashScope-Async': 'enable', 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  return res.json();
}

async function photo(): Promise<string> {
  // Smooth gradients plus noise: something the models have to work on.
  const w = 1024;
  const h = 768;
  const raw = Buffer.alloc(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    const x = i % w;
    const y = Math.floor(i / w);
    raw[i * 3] = (x * 255) / w + ((i * 7919) % 23);
    raw[i * 3 + 1] = (y * 255) / h;
    raw[i * 3 + 2] = 128 + 100 * Math.sin(x / 40) * Math.cos(y / 30);
  }
  const jpeg = await sharp(raw, { raw: { width: w, height: h, channels: 3 } })
    .jpeg()
    .toBuffer();
  return `data:image/jpeg;base64,${jpeg.toString('base64')}`;
}

async function waitDone(base: string, id: string): Promise<string> {
  for (;;) {
    const status = (await call(`${base}/api/v1/tasks/${id}`)).output.task_status as string;
    if (!['PENDING', 'RUNNING'].includes(status)) return status;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function timeGets(base: string, id: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < GETS; i++) {
    const t = performance.now();
    await call(`${base}/api/v1/tasks/${id}`);
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b);
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

const dataDir = mkdtempSync(join(tmpdir(), 'retouch-bench-ml-'));
const server = await spawnRetouch({ dataDir, env: { RETOUCH_WORKER_CONCURRENCY: '2', RETOUCH_RATE_LIMIT_QUERY: '0', RETOUCH_RATE_LIMIT_SUBMIT: '0' } });
try {
  const image = await photo();
  const target = (await call(server.url + CREATE, { model: 'retouch-test', input: { prompt: 'x', images: [image] }, parameters: { n: 1 } })).output.task_id;
  await waitDone(server.url, target);
  // Warm the models once so that "busy" measures inference, not loading.
  const warm = ['upscale 2x', 'remove the background'].map((prompt) =>
    call(server.url + CREATE, { model: 'wan2.5-i2i-preview', input: { prompt, images: [image] }, parameters: { n: 1 } }),
  );
  for (const created of await Promise.all(warm)) await waitDone(server.url, created.output.task_id);

  const idle: { p50: number; p99: number }[] = [];
  const busy: { p50: number; p99: number }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const a = await timeGets(server.url, target);
    idle.push({ p50: pct(a, 0.5), p99: pct(a, 0.99) });
    const running = await Promise.all(
      ['upscale 2x', 'remove the background'].map((prompt) =>
        call(server.url + CREATE, { model: 'wan2.5-i2i-preview', input: { prompt, images: [image] }, parameters: { n: 2 } }),
      ),
    );
    await new Promise((r) => setTimeout(r, 300));
    const b = await timeGets(server.url, target);
    const stillRunning = (await call(`${server.url}/api/v1/tasks/${running[0].output.task_id}`)).output.task_status;
    busy.push({ p50: pct(b, 0.5), p99: pct(b, 0.99) });
    for (const created of running) await waitDone(server.url, created.output.task_id);
    console.error(
      `round ${round + 1}: idle p50 ${fmt(idle.at(-1)!.p50, 2)} ms, busy p50 ${fmt(busy.at(-1)!.p50, 2)} ms (upscale task ${stillRunning} at the end of the busy phase)`,
    );
  }
  const row = (name: string, key: 'p50' | 'p99') => {
    const i = median(idle.map((r) => r[key]));
    const b = median(busy.map((r) => r[key]));
    return `| ${name} | ${fmt(i, 2)} | ${fmt(b, 2)} | ${fmt(b / i, 2)} |`;
  };
  console.log(`\nGET /api/v1/tasks/{id}, ${GETS} sequential requests per phase, median of ${ROUNDS} rounds\n`);
  console.log('| latency | idle (ms) | while ML edits run (ms) | busy / idle |');
  console.log('|---|---:|---:|---:|');
  console.log(row('p50', 'p50'));
  console.log(row('p99', 'p99'));
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
