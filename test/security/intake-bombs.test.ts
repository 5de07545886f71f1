/**
 * Finding 1 and 5 of issue 9, against a real server in its own process (`node bin/retouch.js
 * serve`, needs the build): header bombs of every format are refused at intake with 400 while
 * `/healthz` stays responsive, a genuine 25-megapixel BMP is converted off the event loop, and
 * a corrupt JPEG that a shrunk decode lets through is refused as InvalidImageFormat.
 *
 * Responsiveness is measured as `/healthz` latency, polled every 20 ms from this (separate)
 * process, against a control run side by side: the idle server for the bombs, and submissions
 * of a PNG of the same size for the big BMPs (so that receiving and parsing a 4 MB body counts
 * in both). Bound: control + 100 ms, generous enough for a busy 2-core machine and far below
 * the 0.5–0.9 s one synchronous BMP decode used to hold the event loop.
 */
import { readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBody, createTask, dataUri, expectError, waitForStatus } from '../helpers/http.js';
import { spawnServer, tempDataDir, TEST_KEY, type ChildServer } from '../helpers/server.js';
import { addKey } from './helpers.js';
import { corruptProgressiveJpeg, headerBombs, oneBitBmp } from './hostile-images.js';

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024);
}

async function healthzLatency(url: string): Promise<number> {
  const start = performance.now();
  const res = await fetch(`${url}/healthz`);
  await res.text();
  return performance.now() - start;
}

/** Polls /healthz every 20 ms while `work` runs; returns the worst latency seen. */
async function worstHealthzDuring(url: string, work: Promise<unknown>): Promise<number> {
  let done = false;
  let worst = 0;
  const poller = (async () => {
    while (!done) {
      worst = Math.max(worst, await healthzLatency(url));
      await sleep(20);
    }
  })();
  await work.finally(() => (done = true));
  await poller;
  return worst;
}

describe.skipIf(process.platform !== 'linux')('image intake: header bombs, big BMPs, corrupt JPEGs (real server)', () => {
  let server: ChildServer;
  let dir: string;
  let otherKey: string;
  let baseline: number;

  beforeAll(async () => {
    dir = tempDataDir();
    // Default rate limits (5 submissions/s per workspace), as in the finding.
    server = await spawnServer(dir, { RETOUCH_WORKER_CONCURRENCY: '1' });
    otherKey = await addKey(dir, 'ws-other');
    for (let i = 0; i < 5; i++) await healthzLatency(server.url); // warm the connection
    const samples: number[] = [];
    for (let i = 0; i < 20; i++) samples.push(await healthzLatency(server.url));
    baseline = Math.max(...samples);
  });
  afterAll(async () => {
    server.child.kill('SIGKILL');
    await server.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses every header bomb with 400 InvalidImageFormat from two tenants at 5/s each, /healthz within baseline + 100 ms, RSS flat', async () => {
    const bombs = await headerBombs();
    const before = peakRssMb(server.child.pid!);
    const submitAll = async (key: string) => {
      const out: { name: string; res: Awaited<ReturnType<typeof createTask>> }[] = [];
      for (let i = 0; i < 10; i++) {
        const bomb = bombs[i % bombs.length]!;
        out.push({ name: bomb.name, res: await createTask(server.url, key, createBody([dataUri(bomb.bytes, bomb.mime)], 'sleep=1')) });
        await sleep(200); // 5 per second: inside the default submit rate limit
      }
      return out;
    };
    const both = Promise.all([submitAll(TEST_KEY), submitAll(otherKey)]);
    const worst = await worstHealthzDuring(server.url, both);
    for (const { name, res } of (await both).flat()) {
      expect(res.status, name).toBe(400);
      expectError(res, 400, 'InvalidImageFormat');
    }
    const growth = peakRssMb(server.child.pid!) - before;
    console.log(`header bombs: healthz baseline ${baseline.toFixed(1)} ms, worst ${worst.toFixed(1)} ms; peak RSS +${growth} MB`);
    expect(worst).toBeLessThan(baseline + 100);
    expect(growth).toBeLessThan(100);
  });

  it('converts genuine 5000×5000 1-bit BMPs (3 MB) off the event loop: accepted, /healthz within baseline + 100 ms', async () => {
    const bmpBytes = oneBitBmp(5000, 5000);
    // Control: an incompressible PNG of the same size (1024×1024 noise ≈ 3.1 MB), 3 at once.
    const noise = Buffer.alloc(1024 * 1024 * 3);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
    const png = await sharp(noise, { raw: { width: 1024, height: 1024, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
    const submit3 = (uri: string) => Promise.all([TEST_KEY, otherKey, TEST_KEY].map((key) => createTask(server.url, key, createBody([uri], 'sleep=1'))));
    await sleep(1100); // a fresh rate-limit second
    const controlWork = submit3(dataUri(png, 'image/png'));
    const control = await worstHealthzDuring(server.url, controlWork);
    expect((await controlWork).map((r) => r.status)).toEqual([200, 200, 200]);
    await sleep(1100);
    const work = submit3(dataUri(bmpBytes, 'image/bmp'));
    const worst = await worstHealthzDuring(server.url, work);
    const responses = await work;
    console.log(`3 × 25 MP BMP (${bmpBytes.length} B): healthz worst ${worst.toFixed(1)} ms; control (3 × ${png.length} B PNG) ${control.toFixed(1)} ms`);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(worst).toBeLessThan(Math.max(control, baseline) + 100);
    const done = await waitForStatus(server.url, TEST_KEY, responses[0]!.body.output.task_id);
    expect(done.body.output.task_status).toBe('SUCCEEDED');
  });

  it('refuses a corrupt progressive JPEG at submission with 400 InvalidImageFormat (it used to fail later, in the worker)', async () => {
    const res = await createTask(server.url, TEST_KEY, createBody([dataUri(await corruptProgressiveJpeg(), 'image/jpeg')], 'sleep=1'));
    expectError(res, 400, 'InvalidImageFormat');
  });
});
