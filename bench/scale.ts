/**
 * Scale-out bench (issues 6, 15): tasks per second through create → SUCCEEDED with a trivial
 * edit, on PostgreSQL with 1, 2 and 3 worker processes and as one `serve --processes 2` node,
 * next to the embedded SQLite single process measured in the same run (the ratio column is
 * against it). Rounds are interleaved (each configuration once per round, started fresh),
 * medians reported.
 *
 *   npm run build && npx tsx bench/scale.ts                       # 3 rounds × 200 tasks, ~2 minutes
 *   npx tsx bench/scale.ts --tasks 100 --rounds 2                 # fewer
 *   npx tsx bench/scale.ts --only pg1,pg3                         # some configurations (sqlite, pg1-3, pgp2)
 *   npx tsx bench/scale.ts --cpu-prof DIR                         # V8 CPU profiles of every node
 *   npx tsx bench/scale.ts --retouch-root DIR                     # nodes from another checkout's dist/
 *   npx tsx bench/scale.ts --warmup 0                             # measure from a cold start (default: 100 tasks first)
 *
 * Setup, all on loopback, every process its own:
 *   sqlite    one `retouch serve` (role all): API + 4 worker slots, data dir on local disk
 *   pg × W    one `--role api` node + W `--role worker` nodes (4 slots each) on one fresh
 *             PostgreSQL schema; blobs on a data dir they share (same machine), so that the
 *             figure is the queue's, not an object store's
 *   pg ×2 p   one `serve --processes 2` node (role all: each process API + 4 worker slots)
 * Tasks: model retouch-test, n=1, a 384x384 PNG data URI, seed 1 (the engine's cached PNG is
 * reused: the edit costs ~nothing), 16 creates in flight from autocannon; completion seen by polling the list
 * endpoint (status=SUCCEEDED, total) every 25 ms. Rate limits and the per-workspace cap are off.
 * Next to the rate: CPU per task of the retouch nodes (their processes and children, from /proc)
 * and of the local PostgreSQL server (every `postgres` process, plus the backends its postmaster
 * reaped), over the measured window; the latter includes anything else the server did meanwhile.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import sharp from 'sharp';
import { startNode, stopNode, type Node } from '../test/helpers/nodes.js';
import { postgresCpuMs, processTreeCpuMs } from './lib/procs.js';
import { dropSchema, newSchemaName, TEST_DATABASE_URL } from '../test/helpers/postgres.js';

const { values } = parseArgs({
  options: {
    tasks: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '3' },
    // Tasks run through each fresh node before the measured ones, so that the figure is the
    // steady state and not V8's warm-up (0 measures from a cold start, as before).
    warmup: { type: 'string', default: '100' },
    // A subset of the configurations, by key: sqlite, pg1, pg2, pg3, pgp2.
    only: { type: 'string', default: 'sqlite,pg1,pg2,pg3,pgp2' },
    // V8 CPU profiles of every node process into DIR (one file per process and run).
    'cpu-prof': { type: 'string' },
    // Development aid: run the nodes from another checkout (its dist/ built), for A/B runs.
    'retouch-root': { type: 'string' },
  },
});
const ONLY = new Set(values.only!.split(',').map((s) => s.trim()));
const TASKS = Number(values.tasks);
const ROUNDS = Number(values.rounds);
const WARMUP = Number(values.warmup);
const KEY = 'sk-retouch-bench-scale-01';
const NODE_ARGS = values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`] : process.env.BENCH_PERF ? ['--perf-basic-prof'] : [];
const ROOT = values['retouch-root'] && resolve(values['retouch-root']);
const CREATE_PATH = '/api/v1/services/aigc/image2image/image-synthesis';

const png = await sharp({ create: { width: 384, height: 384, channels: 3, background: '#808080' } })
  .png()
  .toBuffer();
const body = JSON.stringify({
  model: 'retouch-test',
  input: { prompt: 'bench', images: [`data:image/png;base64,${png.toString('base64')}`] },
  parameters: { n: 1, seed: 1, prompt_extend: false },
});
const headers = { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json', 'X-DashScope-Async': 'enable' };

function baseEnv(dataDir: string): Record<string, string> {
  return {
    RETOUCH_DATA_DIR: dataDir,
    RETOUCH_HOST: '127.0.0.1',
    RETOUCH_PORT: '0',
    RETOUCH_API_KEY: KEY,
    RETOUCH_ENABLE_TEST_ENGINE: 'true',
    RETOUCH_WORKER_CONCURRENCY: '4',
    RETOUCH_MAX_RUNNING_PER_WORKSPACE: '10000',
    RETOUCH_RATE_LIMIT_SUBMIT: '0',
    RETOUCH_RATE_LIMIT_QUERY: '0',
    RETOUCH_LOG_LEVEL: 'silent',
  };
}

async function succeeded(api: string): Promise<number> {
  const res = await fetch(`${api}/api/v1/tasks?status=SUCCEEDED&page_size=1`, { headers: { Authorization: `Bearer ${KEY}` } });
  return ((await res.json()) as { total: number }).total;
}

/**
 * Tasks per second from the first of `count` creates to the last SUCCEEDED (`done` already were).
 * The creates come from autocannon, 16 in flight: a light client (~0.1 ms of CPU per request;
 * fetch took about 1 ms), so that the load generator takes little of the two cores.
 */
async function measure(api: string, count: number, done = 0): Promise<number> {
  const started = performance.now();
  const submitting = Promise.resolve(autocannon({ url: api + CREATE_PATH, method: 'POST', headers, body, amount: count, connections: 16 })).then((r) => {
    if (r.errors || r.timeouts || r.non2xx || r['2xx'] !== count) {
      throw new Error(`creates: ${r['2xx']} of ${count} answered 2xx (${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx)`);
    }
  });
  let failure: unknown;
  submitting.catch((err) => (failure = err));
  while ((await succeeded(api)) < done + count) {
    if (failure) throw failure;
    await sleep(25);
  }
  const seconds = (performance.now() - started) / 1000;
  // autocannon resolves on its next 1 s tick after the last answer, outside the timed part.
  await submitting;
  return count / seconds;
}

const dataDirs: string[] = [];
process.on('exit', () => dataDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

type Start = (dir: string) => Promise<{ api: string; nodes: Node[]; cleanup?: () => Promise<void> }>;

/** One run: its rate and the CPU it cost per task, of the retouch nodes and of PostgreSQL. */
async function run(label: string, start: Start) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-scale-'));
  const { api, nodes, cleanup } = await start(dir);
  const nodesCpu = () => nodes.reduce((sum, n) => sum + processTreeCpuMs(n.child.pid), 0);
  try {
    if (WARMUP > 0) await measure(api, WARMUP);
    const [nodes0, pg0] = [nodesCpu(), postgresCpuMs()];
    const rate = await measure(api, TASKS, WARMUP);
    const [nodes1, pg1] = [nodesCpu(), postgresCpuMs()];
    return { label, rate, nodeMs: (nodes1 - nodes0) / TASKS, pgMs: pg0 === undefined || pg1 === undefined ? undefined : (pg1 - pg0) / TASKS };
  } finally {
    await Promise.all(nodes.map((n) => stopNode(n)));
    await cleanup?.();
    // Removed at the end, not now: ext4 without a journal (this machine's /tmp) skips inodes
    // freed in the last ~35 s when it allocates, so deleting a run's thousands of files would
    // slow the next run's file creation.
    dataDirs.push(dir);
  }
}

const onPostgres =
  (start: (env: Record<string, string>) => Promise<{ api: string; nodes: Node[] }>): Start =>
  async (dir) => {
    const schema = newSchemaName();
    const { api, nodes } = await start({ ...baseEnv(dir), RETOUCH_DATABASE_URL: TEST_DATABASE_URL, RETOUCH_DATABASE_SCHEMA: schema });
    return { api, nodes, cleanup: () => dropSchema(schema) };
  };
const allConfigurations: { key: string; label: string; start: Start }[] = [
  {
    key: 'sqlite',
    label: 'SQLite, 1 process (api+worker)',
    start: async (dir) => {
      const node = await startNode('all', baseEnv(dir), NODE_ARGS, ROOT);
      return { api: node.url, nodes: [node] };
    },
  },
  ...[1, 2, 3].map((workers) => ({
    key: `pg${workers}`,
    label: `PostgreSQL, 1 api + ${workers} worker process${workers > 1 ? 'es' : ''}`,
    start: onPostgres(async (env) => {
      const api = await startNode('api', env, NODE_ARGS, ROOT);
      return { api: api.url, nodes: [api, ...(await Promise.all(Array.from({ length: workers }, () => startNode('worker', env, NODE_ARGS, ROOT))))] };
    }),
  })),
  {
    key: 'pgp2',
    label: 'PostgreSQL, `serve --processes 2` (each api + worker)',
    start: onPostgres(async (env) => {
      const node = await startNode('all', { ...env, RETOUCH_PROCESSES: '2' }, NODE_ARGS, ROOT);
      return { api: node.url, nodes: [node] };
    }),
  },
];
const unknown = [...ONLY].filter((key) => !allConfigurations.some((c) => c.key === key));
if (unknown.length > 0) throw new Error(`--only: unknown ${unknown.join(', ')} (known: ${allConfigurations.map((c) => c.key).join(', ')})`);
const configurations = allConfigurations.filter((c) => ONLY.has(c.key));

const rates = configurations.map(() => [] as number[]);
const nodeCpu = configurations.map(() => [] as number[]);
const pgCpu = configurations.map(() => [] as number[]);
for (let round = 0; round < ROUNDS; round++) {
  for (const [i, c] of configurations.entries()) {
    const { rate, nodeMs, pgMs } = await run(c.label, c.start);
    rates[i]!.push(rate);
    nodeCpu[i]!.push(nodeMs);
    // SQLite runs use no PostgreSQL: what the server spent meanwhile is other work's.
    if (pgMs !== undefined && c.key !== 'sqlite') pgCpu[i]!.push(pgMs);
    console.error(
      `round ${round + 1}: ${c.label}: ${rate.toFixed(0)} tasks/s, CPU per task ${nodeMs.toFixed(2)} ms nodes + ${pgMs?.toFixed(2) ?? '?'} ms PostgreSQL`,
    );
  }
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const base = median(rates[0]!);
console.log(`\n${TASKS} tasks per configuration and round, ${ROUNDS} rounds interleaved, trivial edit (retouch-test, n=1), 4 worker slots per process\n`);
console.log(
  `| configuration | tasks/s (median) | rounds | vs ${configurations[0]!.key === 'sqlite' ? 'SQLite' : 'the first row'} | CPU per task: nodes (ms) | PostgreSQL (ms) |`,
);
console.log('|---|---:|---|---:|---:|---:|');
for (const [i, c] of configurations.entries()) {
  const m = median(rates[i]!);
  const pg = pgCpu[i]!.length ? median(pgCpu[i]!).toFixed(2) : '–';
  console.log(
    `| ${c.label} | ${m.toFixed(0)} | ${rates[i]!.map((r) => r.toFixed(0)).join(', ')} | ${(m / base).toFixed(2)}× | ${median(nodeCpu[i]!).toFixed(2)} | ${pg} |`,
  );
}
