/**
 * Finding 1 and 5 of issue 9, against a real server in its own process (`node bin/retouch.js
 * serve`, needs the build): header bombs of every format are refused at intake with 400 while
 * `/healthz` stays responsive, a genuine 25-megapixel BMP is converted off the event loop, and
 * a corrupt JPEG that a shrunk decode lets through is refused as InvalidImageFormat.
 *
 * Responsiveness is measured as `/healthz` latency (the second-worst sample, see healthzDuring),
 * polled every 20 ms from this (separate) process, against a control run side by side: the
 * same submissions with a small image refused from its header for the bombs, and a PNG of the
 * same size for the big BMPs (so that receiving and parsing a 4 MB body counts in both). Bound:
 * control + 100 ms, generous enough for a busy 2-core machine and far below the 0.5–0.9 s one
 * synchronous BMP decode used to hold the event loop.
 */
import { readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBody, createTask, dataUri, expectError, waitForStatus } from '../helpers/http.js';
import { spawnServer, tempDataDir, TEST_KEY, type ChildServer } from '../helpers/server.js';
import { addKey, claimingPng } from './helpers.js';
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

/**
 * Polls /healthz every 20 ms while `work` runs; returns the second-worst latency seen. One
 * spike may be the (shared, busy) machine; a decoder that blocks the event loop causes one
 * spike per image, and every test here sends at least three.
 */
async function healthzDuring(url: string, work: Promise<unknown>): Promise<number> {
  let done = false;
  const samples: number[] = [];
  const poller = (async () => {
    while (!done) {
      samples.push(await healthzLatency(url));
      await sleep(20);
    }
  })();
  await work.finally(() => (done = true));
  await poller;
  return samples.sort((a, b) => b - a)[1] ?? samples[0] ?? 0;
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

  it('refuses every header bomb with 400 InvalidImageFormat from two tenants at 5/s each, /healthz within control + 100 ms, RSS flat', async () => {
    const bombs = await headerBombs();
    const small = dataUri(claimingPng(100, 100), 'image/png'); // control: refused from its header by any version
    const before = peakRssMb(server.child.pid!);
    const submitAll = async (key: string, image: (i: number) => { uri: string; name: string }) => {
      const out: { name: string; res: Awaited<ReturnType<typeof createTask>> }[] = [];
      for (let i = 0; i < 10; i++) {
        const { uri, name } = image(i);
        out.push({ name, res: await createTask(server.url, key, createBody([uri], 'sleep=1')) });
        await sleep(200); // 5 per second: inside the default submit rate limit
      }
      return out;
    };
    const controlWork = Promise.all([TEST_KEY, otherKey].map((key) => submitAll(key, () => ({ uri: small, name: 'control' }))));
    const control = await healthzDuring(server.url, controlWork);
    for (const { res } of (await controlWork).flat()) expectError(res, 400, 'InvalidImageResolution');
    await sleep(1100);
    const bombWork = Promise.all(
      [TEST_KEY, otherKey].map((key) =>
        submitAll(key, (i) => {
          const bomb = bombs[i % bombs.length]!;
          return { uri: dataUri(bomb.bytes, bomb.mime), name: bomb.name };
        }),
      ),
    );
    const latency = await healthzDuring(server.url, bombWork);
    for (const { name, res } of (await bombWork).flat()) {
      expect(res.status, name).toBe(400);
      expectError(res, 400, 'InvalidImageFormat');
    }
    const growth = peakRssMb(server.child.pid!) - before;
    console.log(`header bombs: healthz ${latency.toFixed(1)} ms (control ${control.toFixed(1)} ms, idle ${baseline.toFixed(1)} ms); peak RSS +${growth} MB`);
    expect(latency).toBeLessThan(Math.max(control, baseline) + 100);
    expect(growth).toBeLessThan(100);
  });

  it('converts genuine 5000×5000 1-bit BMPs (3 MB) off the event loop: accepted, /healthz within control + 100 ms', async () => {
    const bmpBytes = oneBitBmp(5000, 5000);
    // Control: an incompressible PNG of the same size (1024×1024 noise ≈ 3.1 MB), 3 at once.
    const noise = Buffer.alloc(1024 * 1024 * 3);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
    const png = await sharp(noise, { raw: { width: 1024, height: 1024, channels: 3 } })
      .png({ compressionLevel: 0 })
      .toBuffer();
    const submit3 = (uri: string) => Promise.all([TEST_KEY, otherKey, TEST_KEY].map((key) => createTask(server.url, key, createBody([uri], 'sleep=1'))));
    await sleep(1100); // a fresh rate-limit second
    const controlWork = submit3(dataUri(png, 'image/png'));
    const control = await healthzDuring(server.url, controlWork);
    expect((await controlWork).map((r) => r.status)).toEqual([200, 200, 200]);
    await sleep(1100);
    const work = submit3(dataUri(bmpBytes, 'image/bmp'));
    const worst = await healthzDuring(server.url, work);
    const responses = await work;
    console.log(`3 × 25 MP BMP (${bmpBytes.length} B): healthz ${worst.toFixed(1)} ms; control (3 × ${png.length} B PNG) ${control.toFixed(1)} ms`);
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
