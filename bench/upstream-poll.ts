/**
 * Upstream polling bench (issue 10): 500 upstream tasks in flight on ONE retouch node with the
 * default 2 worker slots, against a loopback stand-in DashScope upstream (in this process).
 *
 *   npx tsx bench/upstream-poll.ts                  # 500 tasks, 100 queries/s, 5 s poll interval
 *   npx tsx bench/upstream-poll.ts --tasks 200 --qps 50 --interval 4s --json out.json
 *
 * The front is `node bin/retouch.js serve` (from dist/, run `npm run build` first) with a
 * routing table sending model `up` to the stand-in (`engine: dashscope`, `query_per_second`
 * = --qps, `poll_interval` = --interval). The stand-in answers creates at once, keeps each task
 * RUNNING until a completion time drawn uniformly in [8 s, 20 s] after its create, then
 * SUCCEEDED with one small PNG; it answers 429 to any query over the budget (which it counts).
 *
 * Figures: peak tasks in flight upstream; the busiest 1-second window of queries ÷ budget (must
 * stay ≤ 1); per task, notice delay (first SUCCEEDED answer − completion) ÷ the poll interval
 * (must stay ≤ 1: each completion noticed within one interval); the longest gap between two
 * queries of one in-flight task ÷ interval (no task starves); creates per task (must be 1).
 * The interval is the baseline the delays are measured against: with 500 tasks, a 100 queries/s
 * budget covers a 5 s interval exactly (500 ÷ 100), the tightest case.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { BENCH_KEY, spawnRetouch } from './lib/procs.js';
import { fmt, median, pool } from './lib/stats.js';

const { values: args } = parseArgs({
  options: {
    tasks: { type: 'string', default: '500' },
    qps: { type: 'string', default: '100' },
    interval: { type: 'string', default: '5s' },
    json: { type: 'string' },
  },
});
const TASKS = Number(args.tasks);
const QPS = Number(args.qps);
const INTERVAL_MS = Number(/^(\d+)s$/.exec(args.interval!)?.[1] ?? '5') * 1000;

interface UpTask {
  created: number;
  completesAt: number;
  queries: number[];
  noticedAt?: number;
}

const tasks = new Map<string, UpTask>();
const queryTimes: number[] = [];
let rejected = 0;
let creates = 0;
const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#3a7' } })
  .png()
  .toBuffer();
// Deterministic completion times (an LCG), so runs compare.
let seed = 12345;
const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

const upstream = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const now = Date.now();
    const json = (status: number, body: object, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'POST' && req.url === '/api/v1/services/aigc/image2image/image-synthesis') {
      creates++;
      const id = `up-${creates}`;
      tasks.set(id, { created: now, completesAt: now + 8000 + random() * 12_000, queries: [] });
      return json(200, { request_id: id, output: { task_id: id, task_status: 'PENDING' } });
    }
    const m = /^\/api\/v1\/tasks\/([^/]+)$/.exec(req.url ?? '');
    if (req.method === 'GET' && m) {
      // The budget as the upstream enforces it: queries in the last second.
      while (queryTimes.length > 0 && queryTimes[0]! <= now - 1000) queryTimes.shift();
      if (queryTimes.length >= QPS) {
        rejected++;
        return json(429, { code: 'Throttling.RateQuota', message: 'rate' }, { 'retry-after': '1' });
      }
      queryTimes.push(now);
      const task = tasks.get(m[1]!);
      if (!task) return json(200, { output: { task_id: m[1], task_status: 'UNKNOWN' } });
      task.queries.push(now);
      if (now < task.completesAt) return json(200, { output: { task_id: m[1], task_status: 'RUNNING' } });
      task.noticedAt ??= now;
      return json(200, {
        output: {
          task_id: m[1],
          task_status: 'SUCCEEDED',
          results: [{ url: `${base}/img.png`, orig_prompt: 'p' }],
          task_metrics: { TOTAL: 1, SUCCEEDED: 1, FAILED: 0 },
        },
        usage: { image_count: 1 },
      });
    }
    if (req.url === '/img.png') {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length });
      return res.end(png);
    }
    json(404, { code: 'NotFound', message: 'no' });
  });
});
await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;

const dataDir = mkdtempSync(join(tmpdir(), 'retouch-bench-upstream-'));
const configFile = join(dataDir, 'routes.json');
writeFileSync(
  configFile,
  JSON.stringify({
    models: {
      up: {
        engine: 'dashscope',
        options: { base_url: `${base}/api/v1`, model: 'stand-in', poll_interval: INTERVAL_MS, query_per_second: QPS, submit_per_second: 500 },
        concurrency: TASKS,
        timeout: '10m',
      },
    },
  }),
);
const front = await spawnRetouch({
  dataDir,
  env: {
    RETOUCH_CONFIG: configFile,
    RETOUCH_WORKER_CONCURRENCY: '2',
    RETOUCH_MAX_RUNNING_PER_WORKSPACE: String(TASKS),
    RETOUCH_RATE_LIMIT_SUBMIT: '0',
    RETOUCH_RATE_LIMIT_QUERY: '0',
  },
});
const input = `data:image/png;base64,${(
  await sharp({ create: { width: 400, height: 400, channels: 3, background: '#888' } })
    .png()
    .toBuffer()
).toString('base64')}`;

try {
  const started = Date.now();
  const ids: string[] = [];
  await pool(TASKS, 16, async () => {
    const res = await fetch(`${front.url}/api/v1/services/aigc/image2image/image-synthesis`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BENCH_KEY}`, 'content-type': 'application/json', 'x-dashscope-async': 'enable' },
      body: JSON.stringify({ model: 'up', input: { prompt: 'p', images: [input] }, parameters: { n: 1 } }),
    });
    const body = (await res.json()) as { output: { task_id: string } };
    ids.push(body.output.task_id);
  });
  // Until the front reports every task done (it noticed, downloaded and settled each one).
  let peak = 0;
  let succeeded = 0;
  for (;;) {
    const now = Date.now();
    const inFlight = [...tasks.values()].filter((t) => t.noticedAt === undefined).length;
    peak = Math.max(peak, inFlight);
    const list = await fetch(`${front.url}/api/v1/tasks?status=SUCCEEDED&page_size=1`, { headers: { authorization: `Bearer ${BENCH_KEY}` } });
    succeeded = ((await list.json()) as { total: number }).total;
    if (succeeded >= TASKS || now - started > 180_000) break;
    await sleep(250);
  }
  const all = [...tasks.values()];
  const delays = all.filter((t) => t.noticedAt !== undefined).map((t) => (t.noticedAt! - t.completesAt) / INTERVAL_MS);
  const gaps = all.map((t) => {
    let gap = t.queries[0]! - t.created;
    for (let i = 1; i < t.queries.length; i++) gap = Math.max(gap, t.queries[i]! - t.queries[i - 1]!);
    return gap / INTERVAL_MS;
  });
  // Busiest 1-second window over all accepted queries.
  const accepted = all.flatMap((t) => t.queries).sort((a, b) => a - b);
  let busiest = 0;
  for (let i = 0, j = 0; i < accepted.length; i++) {
    while (accepted[i]! - accepted[j]! >= 1000) j++;
    busiest = Math.max(busiest, i - j + 1);
  }
  const sorted = [...delays].sort((a, b) => a - b);
  const figures = {
    tasks: TASKS,
    workerSlots: 2,
    budgetQps: QPS,
    intervalMs: INTERVAL_MS,
    peakInFlight: peak,
    creates,
    succeededOnFront: succeeded,
    busiestSecondOverBudget: busiest / QPS,
    rejectedQueries: rejected,
    noticeDelayOverInterval: { median: median(delays), p95: sorted[Math.floor(sorted.length * 0.95)] ?? NaN, max: sorted.at(-1) ?? NaN },
    longestQueryGapOverInterval: Math.max(...gaps),
    queriesPerTask: accepted.length / TASKS,
    wallSeconds: (Date.now() - started) / 1000,
  };
  console.log(JSON.stringify(figures, null, 2));
  console.log(
    `\n| ${TASKS} tasks, 2 slots | peak in flight ${peak} | busiest second ${fmt(busiest / QPS, 2)}× budget (${rejected} rejected) | ` +
      `notice delay ÷ interval: median ${fmt(figures.noticeDelayOverInterval.median, 2)}, p95 ${fmt(figures.noticeDelayOverInterval.p95, 2)}, max ${fmt(figures.noticeDelayOverInterval.max, 2)} | ` +
      `longest gap ${fmt(figures.longestQueryGapOverInterval, 2)}× interval | creates ${creates} | front SUCCEEDED ${succeeded} |`,
  );
  if (args.json) writeFileSync(args.json, JSON.stringify(figures, null, 2));
} finally {
  await front.stop();
  upstream.close();
  rmSync(dataDir, { recursive: true, force: true });
}
