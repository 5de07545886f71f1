/**
 * Memory stays bounded with many large inputs in flight. The server runs as a child process
 * (`node bin/retouch.js serve`, needs the build) so that its peak RSS (VmHWM) is its own.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBody, createTask, imageDataUri, waitForStatus } from '../helpers/http.js';
import { spawnServer, tempDataDir, TEST_KEY, type ChildServer } from '../helpers/server.js';
import { claimingPng, dataUri } from './helpers.js';

/** VmRSS and VmHWM (peak RSS) of a process, in MB. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rss: Math.round(kb('VmRSS') / 1024), peak: Math.round(kb('VmHWM') / 1024) };
}

describe.skipIf(process.platform !== 'linux')('memory with many large inputs in flight', () => {
  let server: ChildServer;
  let dir: string;
  let baseline: number;
  beforeAll(async () => {
    dir = tempDataDir();
    // Rate limits off: this is about what one process holds, not about quotas.
    server = await spawnServer(dir, { RETOUCH_RATE_LIMIT_SUBMIT: '0', RETOUCH_RATE_LIMIT_QUERY: '0', RETOUCH_WORKER_CONCURRENCY: '2' });
    const warm = await createTask(server.url, TEST_KEY, createBody([await imageDataUri(400, 400)], 'sleep=1', { n: 1 }));
    await waitForStatus(server.url, TEST_KEY, warm.body.output.task_id);
    baseline = memoryOf(server.child.pid!).peak;
  });
  afterAll(async () => {
    server.child.kill('SIGKILL');
    await server.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it('20 concurrent submissions of three 5000×5000-claiming bombs each: all refused, peak RSS stays under 400 MB', async () => {
    const bombs = [
      claimingPng(5000, 5000, deflateSync(Buffer.alloc(64 * 1024 * 1024))), // inflates to 64 MB of zeros, then ends early
      claimingPng(5000, 5000), // no pixel data at all
      claimingPng(100_000, 100_000), // refused on the header
    ].map((b) => dataUri(b));
    const responses = await Promise.all(Array.from({ length: 20 }, () => createTask(server.url, TEST_KEY, createBody(bombs, 'sleep=1', { n: 1 }))));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(400));
    const { peak } = memoryOf(server.child.pid!);
    console.log(`bombs: baseline ${baseline} MB, peak ${peak} MB`);
    expect(peak).toBeLessThan(400);
  });

  it('20 concurrent valid 5000×5000 PNGs ×3 (decoded to check them) stay under 450 MB', async () => {
    const big = dataUri(
      await sharp({ create: { width: 5000, height: 5000, channels: 3, background: 'black' } })
        .png({ compressionLevel: 9 })
        .toBuffer(),
    );
    const responses = await Promise.all(Array.from({ length: 20 }, () => createTask(server.url, TEST_KEY, createBody([big, big, big], 'sleep=1', { n: 1 }))));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    const { peak } = memoryOf(server.child.pid!);
    console.log(`5000×5000 ×60: peak ${peak} MB`);
    expect(peak).toBeLessThan(450);
  });

  it('20 concurrent 13 MB bodies (10 MB incompressible PNGs): the body budget answers 429 to the excess; peak RSS under 900 MB', async () => {
    const noise = dataUri(
      await sharp(randomBytes(3000 * 1100 * 3), { raw: { width: 3000, height: 1100, channels: 3 } })
        .png()
        .toBuffer(),
    );
    // A refused body is answered while the client may still be sending it, and Fastify closes
    // the connection after such an answer (it cannot know what else would follow); under load
    // the client's next write can then fail before it has read the 429. Such a client sends
    // again, once, as clients do after a reset: what it gets the second time is checked.
    let resets = 0;
    const send = () => createTask(server.url, TEST_KEY, createBody([noise], 'sleep=1', { n: 1 }));
    const sendOrRetry = () =>
      send().catch((err: { cause?: { code?: string } }) => {
        if (!['EPIPE', 'ECONNRESET'].includes(err.cause?.code ?? '')) throw err;
        resets++;
        return send();
      });
    const responses = await Promise.all(Array.from({ length: 20 }, sendOrRetry));
    const statuses = responses.map((r) => r.status);
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(5);
    const busy = responses.find((r) => r.status === 429);
    if (busy) {
      expect(busy.body.code).toBe('Throttling');
      expect(busy.headers.get('retry-after')).toBe('1');
    }
    const { peak } = memoryOf(server.child.pid!);
    console.log(`13 MB bodies ×20: ${statuses.filter((s) => s === 429).length} × 429, ${resets} reset and sent again, peak ${peak} MB`);
    expect(peak).toBeLessThan(900);
  });
});
