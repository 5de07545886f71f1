/**
 * Notify-latency bench (issue 12): how long after a task's `end_time` does a client learn that
 * it finished? Three clients watch every task at once, in the same run:
 *
 *   sse        GET /api/v1/tasks/{id}/events, the moment the final event arrives
 *   long-poll  GET /api/v1/tasks/{id}?wait=30 in a loop, the moment the final answer arrives
 *   poll 10 s  GET /api/v1/tasks/{id} every 10 s (DashScope's advice), first read at a random
 *              moment within 10 s of the submit, so that its phase is independent of the task's
 *              duration, as for real tasks of varied length
 *
 * Latency = arrival (this process's clock) − `end_time` from the answer (the worker's clock:
 * same machine). Tasks use the test engine with a random 0.5–3 s sleep, n=1, 2 workers; the
 * server is `node bin/retouch.js serve` (dist/) as a child process, rate limits off.
 *
 *   npx tsx bench/notify-latency.ts               # builds dist/, 12 tasks: about 25 s
 *   npx tsx bench/notify-latency.ts --tasks 24 --no-build
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { beijingToEpoch, call, createBody, createTask, imageDataUri } from '../test/helpers/http.js';
import { openSse } from '../test/helpers/sse.js';
import { BENCH_KEY, REPO_ROOT, spawnRetouch } from './lib/procs.js';
import { fmt, median } from './lib/stats.js';

const { values: args } = parseArgs({
  options: {
    tasks: { type: 'string', default: '12' },
    'no-build': { type: 'boolean', default: false },
    'poll-interval': { type: 'string', default: '10000' },
  },
});
const TASKS = Number(args.tasks);
const POLL_MS = Number(args['poll-interval']);
const FINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELED', 'UNKNOWN']);

const percentile = (values: number[], p: number) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
};
const endOf = (body: any): number => beijingToEpoch(body.output.end_time);

async function viaSse(base: string, id: string): Promise<number> {
  const stream = await openSse(`${base}/api/v1/tasks/${id}/events`, { Authorization: `Bearer ${BENCH_KEY}` });
  const [last] = (await stream.until((e) => e.some((x) => FINAL.has(x.body.output.task_status)), 60_000)).filter((x) => FINAL.has(x.body.output.task_status));
  stream.close();
  return last!.at - endOf(last!.body);
}

async function viaLongPoll(base: string, id: string): Promise<number> {
  for (;;) {
    const res = await call(`${base}/api/v1/tasks/${id}?wait=30`, { key: BENCH_KEY });
    const at = Date.now();
    if (FINAL.has(res.body.output.task_status)) return at - endOf(res.body);
  }
}

async function viaPolling(base: string, id: string): Promise<number> {
  await sleep(Math.random() * POLL_MS);
  for (;;) {
    const res = await call(`${base}/api/v1/tasks/${id}`, { key: BENCH_KEY });
    const at = Date.now();
    if (FINAL.has(res.body.output.task_status)) return at - endOf(res.body);
    await sleep(POLL_MS);
  }
}

async function main(): Promise<void> {
  if (!args['no-build']) {
    const r = spawnSync('npm', ['run', 'build'], { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) throw new Error('npm run build failed');
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'retouch-notify-'));
  const server = await spawnRetouch({
    dataDir,
    env: { RETOUCH_RATE_LIMIT_SUBMIT: '0', RETOUCH_RATE_LIMIT_QUERY: '0', RETOUCH_WORKER_CONCURRENCY: '2' },
  });
  console.log(`notify-latency: ${TASKS} tasks, ${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)}, Node ${process.version}`);
  try {
    const image = await imageDataUri(400, 400);
    const figures = { sse: [] as number[], longPoll: [] as number[], poll: [] as number[] };
    const started = Date.now();
    await Promise.all(
      Array.from({ length: TASKS }, async (_, i) => {
        await sleep(i * 150);
        const sleepMs = 500 + Math.round(Math.random() * 2500);
        const created = await createTask(server.url, BENCH_KEY, createBody([image], `sleep=${sleepMs}`, { n: 1, prompt_extend: false }));
        const id = created.body.output.task_id as string;
        const [sse, longPoll, poll] = await Promise.all([viaSse(server.url, id), viaLongPoll(server.url, id), viaPolling(server.url, id)]);
        figures.sse.push(sse);
        figures.longPoll.push(longPoll);
        figures.poll.push(poll);
      }),
    );
    const pollMedian = median(figures.poll);
    console.log(`\n| client | median ms | p95 ms | max ms | median / polling |`);
    console.log(`|---|---:|---:|---:|---:|`);
    for (const [name, values] of [
      ['SSE', figures.sse],
      ['long-poll (wait=30)', figures.longPoll],
      [`polling every ${POLL_MS / 1000} s`, figures.poll],
    ] as const) {
      console.log(
        `| ${name} | ${fmt(median(values))} | ${fmt(percentile(values, 95))} | ${fmt(Math.max(...values))} | ${fmt(median(values) / pollMedian, 4)} |`,
      );
    }
    console.log(`\n${TASKS} tasks in ${fmt((Date.now() - started) / 1000)} s`);
  } finally {
    await server.stop(5000);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
