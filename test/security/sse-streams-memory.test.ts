/**
 * 200 concurrent SSE streams on one node (a separate process, so that its memory is measured
 * alone): 150 workspace streams (each gets every change of every task) and 50 per-task streams,
 * while 50 tasks run. The server's RSS growth stays under a fixed bound, every stream gets what
 * it should, and closing the clients frees every slot (the per-workspace cap is 210, so a second
 * round of 200 would be refused if the first had leaked).
 */
import { readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBody, createTask, imageDataUri, waitForStatus } from '../helpers/http.js';
import { spawnServer, tempDataDir, TEST_KEY, type ChildServer } from '../helpers/server.js';
import { openSse, statusOf, type SseStream } from '../helpers/sse.js';

/** Bound on the server's RSS growth with 200 streams open: 256 KB per stream. */
const RSS_BOUND_BYTES = 200 * 256 * 1024;
const TASKS = 50;

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) * 1024;
}

describe('200 concurrent SSE streams', () => {
  let server: ChildServer;
  let dataDir = '';
  beforeAll(async () => {
    dataDir = tempDataDir();
    server = await spawnServer(dataDir, {
      RETOUCH_RATE_LIMIT_SUBMIT: '0',
      RETOUCH_RATE_LIMIT_QUERY: '0',
      RETOUCH_PUSH_MAX_PER_WORKSPACE: '210',
      RETOUCH_WORKER_CONCURRENCY: '2',
    });
  }, 30_000);
  afterAll(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps memory bounded, delivers to every stream, and frees every slot on disconnect', async () => {
    const auth = { Authorization: `Bearer ${TEST_KEY}` };
    const image = await imageDataUri(400, 400);
    const submit = async () => {
      const ids: string[] = [];
      for (let i = 0; i < TASKS; i += 25) {
        const created = await Promise.all(Array.from({ length: 25 }, () => createTask(server.url, TEST_KEY, createBody([image], 'sleep=100', { n: 2 }))));
        ids.push(...created.map((r) => r.body.output.task_id));
      }
      return ids;
    };
    // The same workload without streams first: the baseline then holds what the tasks cost
    // (decoding, engine, caches), and the growth after it is what the streams cost.
    for (const id of await submit()) await waitForStatus(server.url, TEST_KEY, id);
    const baseline = rssOf(server.child.pid!);

    const workspace: SseStream[] = [];
    for (let i = 0; i < 150; i += 50) {
      workspace.push(...(await Promise.all(Array.from({ length: 50 }, () => openSse(`${server.url}/api/v1/tasks/events`, auth)))));
    }
    const ids = await submit();
    const perTask = await Promise.all(ids.map((id) => openSse(`${server.url}/api/v1/tasks/${id}/events`, auth)));
    expect([...workspace, ...perTask].map((s) => s.status)).toEqual(Array(200).fill(200));

    await Promise.all(perTask.map((s) => s.ended));
    for (const s of perTask) expect(statusOf(s.events.at(-1)!)).toBe('SUCCEEDED');
    const finished = (s: SseStream) => new Set(s.events.filter((e) => statusOf(e) === 'SUCCEEDED').map((e) => e.body.output.task_id)).size;
    await Promise.all(workspace.map((s) => s.until((e) => finished(s) === TASKS && e.length > 0, 60_000)));
    const peak = rssOf(server.child.pid!);
    console.log(
      `sse-memory: RSS ${Math.round(baseline / 1048576)} MB → ${Math.round(peak / 1048576)} MB with 200 streams (bound +${RSS_BOUND_BYTES / 1048576} MB)`,
    );
    expect(peak - baseline).toBeLessThan(RSS_BOUND_BYTES);

    for (const s of workspace) s.close();
    await Promise.all(workspace.map((s) => s.ended));
    // Every slot came back: a second round of 200 fits under the cap of 210.
    const deadline = Date.now() + 10_000;
    let again: SseStream[] = [];
    for (;;) {
      again = await Promise.all(Array.from({ length: 200 }, () => openSse(`${server.url}/api/v1/tasks/events`, auth)));
      const ok = again.filter((s) => s.status === 200).length;
      if (ok === 200 || Date.now() > deadline) break;
      for (const s of again) s.close();
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(again.map((s) => s.status)).toEqual(Array(200).fill(200));
    for (const s of again) s.close();
  }, 120_000);
});
