/**
 * Finding 1 and 5 of issue 9, against a real server in its own process (`node bin/retouch.js
 * serve`, needs the build): header bombs of every format are refused at intake with 400 while
 * `/healthz` keeps answering and the server's memory stays flat, a genuine 25-megapixel BMP is
 * accepted and converted off the event loop, and a corrupt JPEG that a shrunk decode lets
 * through is refused as InvalidImageFormat.
 *
 * No timing bound (no timed tests): "off the event loop" is checked as behaviour, by counting
 * how many turns this process's event loop makes while the intake's converter turns a 25 MP BMP
 * into PNG. A conversion on the main thread would hold the loop for the whole conversion (zero turns);
 * in the converter's worker thread the loop keeps turning (thousands of turns).
 */
import { readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBmpConverter } from '../../src/inputs/bmp-converter.js';
import { createBody, createTask, dataUri, expectError, waitForStatus } from '../helpers/http.js';
import { spawnServer, tempDataDir, TEST_KEY, type ChildServer } from '../helpers/server.js';
import { addKey, claimingPng } from './helpers.js';
import { corruptProgressiveJpeg, headerBombs, oneBitBmp } from './hostile-images.js';

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024);
}

/** Polls /healthz while `work` runs; returns every status it answered with. */
async function healthzDuring(url: string, work: Promise<unknown>): Promise<number[]> {
  let done = false;
  const statuses: number[] = [];
  const poller = (async () => {
    while (!done) {
      const res = await fetch(`${url}/healthz`);
      await res.text();
      statuses.push(res.status);
      await sleep(20);
    }
  })();
  await work.finally(() => (done = true));
  await poller;
  return statuses;
}

/** How many times the event loop turns (setImmediate) while `work` runs in this process. */
async function loopTurnsDuring(work: () => Promise<unknown>): Promise<number> {
  let turns = 0;
  let done = false;
  const spin = () => {
    if (done) return;
    turns++;
    setImmediate(spin);
  };
  setImmediate(spin);
  try {
    await work();
  } finally {
    done = true;
  }
  return turns;
}

describe.skipIf(process.platform !== 'linux')('image intake: header bombs, big BMPs, corrupt JPEGs (real server)', () => {
  let server: ChildServer;
  let dir: string;
  let otherKey: string;

  beforeAll(async () => {
    dir = tempDataDir();
    // Default rate limits (5 submissions/s per workspace), as in the finding.
    server = await spawnServer(dir, { RETOUCH_WORKER_CONCURRENCY: '1' });
    otherKey = await addKey(dir, 'ws-other');
  });
  afterAll(async () => {
    server.child.kill('SIGKILL');
    await server.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses every header bomb with 400 InvalidImageFormat from two tenants at 5/s each, /healthz answering throughout, RSS flat', async () => {
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
    const healthz = await healthzDuring(server.url, bombWork);
    for (const { name, res } of (await bombWork).flat()) {
      expect(res.status, name).toBe(400);
      expectError(res, 400, 'InvalidImageFormat');
    }
    const growth = peakRssMb(server.child.pid!) - before;
    expect(healthz.length).toBeGreaterThan(0);
    expect(healthz.every((status) => status === 200)).toBe(true);
    expect(growth).toBeLessThan(100);
  });

  it('converts genuine 5000×5000 1-bit BMPs (3 MB) off the event loop and accepts them', async () => {
    const bmpBytes = oneBitBmp(5000, 5000);
    // The intake's converter, in this process (warmed first, so its thread is running): the event
    // loop keeps turning while it converts.
    const converter = createBmpConverter();
    await converter.toPng(oneBitBmp(64, 64));
    let converted: Awaited<ReturnType<typeof converter.toPng>> | undefined;
    const turns = await loopTurnsDuring(async () => (converted = await converter.toPng(bmpBytes)));
    expect([converted?.width, converted?.height]).toEqual([5000, 5000]);
    expect(turns).toBeGreaterThan(100);
    // And through the server: three at once from two tenants, all accepted, the task succeeds.
    await sleep(1100); // a fresh rate-limit second
    const responses = await Promise.all(
      [TEST_KEY, otherKey, TEST_KEY].map((key) => createTask(server.url, key, createBody([dataUri(bmpBytes, 'image/bmp')], 'sleep=1'))),
    );
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    const done = await waitForStatus(server.url, TEST_KEY, responses[0]!.body.output.task_id);
    expect(done.body.output.task_status).toBe('SUCCEEDED');
  });

  it('accepts a well-formed progressive JPEG with corrupt scan data, and its edit FAILS with InvalidImageFormat naming the image', async () => {
    // Intake reads the structure only (whole file, EOI present); the engine's decode, with
    // sharp's default strictness, finds the corrupt coefficients and reports them with intake's code.
    const res = await createTask(
      server.url,
      TEST_KEY,
      createBody([dataUri(await corruptProgressiveJpeg(), 'image/jpeg')], 'make it black and white', {}, 'wan2.5-i2i-preview'),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const done = await waitForStatus(server.url, TEST_KEY, res.body.output.task_id);
    expect(done.body.output.task_status).toBe('FAILED');
    expect(done.body.output.code).toBe('InvalidImageFormat');
    expect(done.body.output.message).toMatch(/input\.images\[0\] could not be decoded/);
  });
});
