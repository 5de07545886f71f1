/**
 * Scale-out bench (issues 6, 15): tasks per second through create → SUCCEEDED with a trivial
 * edit, on PostgreSQL with 1, 2 and 3 worker processes and as one `serve --processes 2` node,
 * next to the embedded SQLite single process measured in the same run (the ratio column is
 * against it). Rounds are interleaved (each configuration once per round, started fresh),
 * medians reported.
 *
 *   npm run build && npx tsx bench/scale.ts                       # 3 rounds × 200 tasks, ~2 minutes
 *   npx tsx bench/scale.ts --tasks 100 --rounds 2                 # fewer
 *
 * Setup, all on loopback, every process its own:
 *   sqlite    one `retouch serve` (role all): API + 4 worker slots, data dir on local disk
 *   pg × W    one `--role api` node + W `--role worker` nodes (4 slots each) on one fresh
 *             PostgreSQL schema; blobs on a data dir they share (same machine), so that the
 *             figure is the queue's, not an object store's
 *   pg ×2 p   one `serve --processes 2` node (role all: each process API + 4 worker slots)
 * Tasks: model retouch-test, n=1, a 384x384 PNG data URI, seed 1 (the engine's cached PNG is
 * reused: the edit costs ~nothing), 16 creates in flight; completion seen by polling the list
 * endpoint (status=SUCCEEDED, total) every 25 ms. Rate limits and the per-workspace cap are off.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { startNode, stopNode, type Node } from '../test/helpers/nodes.js';
import { dropSchema, newSchemaName, TEST_DATABASE_URL } from '../test/helpers/postgres.js';

const { values } = parseArgs({ options: { tasks: { type: 'string', default: '200' }, rounds: { type: 'string', default: '3' } } });
const TASKS = Number(values.tasks);
const ROUNDS = Number(values.rounds);
const KEY = 'sk-retouch-bench-scale-01';
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

/** Tasks per second from the first create to the last SUCCEEDED. */
async function measure(api: string): Promise<number> {
  const started = performance.now();
  let next = 0;
  const submitter = async () => {
    while (next < TASKS) {
      next++;
      const res = await fetch(api + CREATE_PATH, { method: 'POST', headers, body });
      if (res.status !== 200) throw new Error(`create answered ${res.status}: ${await res.text()}`);
    }
  };
  const submitting = Promise.all(Array.from({ length: 16 }, submitter));
  while ((await succeeded(api)) < TASKS) await sleep(25);
  await submitting;
  return TASKS / ((performance.now() - started) / 1000);
}

async function run(label: string, start: (dir: string) => Promise<{ api: string; nodes: Node[]; cleanup?: () => Promise<void> }>) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-scale-'));
  const { api, nodes, cleanup } = await start(dir);
  try {
    return { label, rate: await measure(api) };
  } finally {
    await Promise.all(nodes.map((n) => stopNode(n)));
    await cleanup?.();
    rmSync(dir, { recursive: true, force: true });
  }
}

type Start = (dir: string) => Promise<{ api: string; nodes: Node[]; cleanup?: () => Promise<void> }>;
const onPostgres =
  (start: (env: Record<string, string>) => Promise<{ api: string; nodes: Node[] }>): Start =>
  async (dir) => {
    const schema = newSchemaName();
    const { api, nodes } = await start({ ...baseEnv(dir), RETOUCH_DATABASE_URL: TEST_DATABASE_URL, RETOUCH_DATABASE_SCHEMA: schema });
    return { api, nodes, cleanup: () => dropSchema(schema) };
  };
const configurations: { label: string; start: Start }[] = [
  {
    label: 'SQLite, 1 process (api+worker)',
    start: async (dir) => {
      const node = await startNode('all', baseEnv(dir));
      return { api: node.url, nodes: [node] };
    },
  },
  ...[1, 2, 3].map((workers) => ({
    label: `PostgreSQL, 1 api + ${workers} worker process${workers > 1 ? 'es' : ''}`,
    start: onPostgres(async (env) => {
      const api = await startNode('api', env);
      return { api: api.url, nodes: [api, ...(await Promise.all(Array.from({ length: workers }, () => startNode('worker', env))))] };
    }),
  })),
  {
    label: 'PostgreSQL, `serve --processes 2` (each api + worker)',
    start: onPostgres(async (env) => {
      const node = await startNode('all', { ...env, RETOUCH_PROCESSES: '2' });
      return { api: node.url, nodes: [node] };
    }),
  },
];

const rates = configurations.map(() => [] as number[]);
for (let round = 0; round < ROUNDS; round++) {
  for (const [i, c] of configurations.entries()) {
    const { rate } = await run(c.label, c.start);
    rates[i]!.push(rate);
    console.error(`round ${round + 1}: ${c.label}: ${rate.toFixed(0)} tasks/s`);
  }
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const base = median(rates[0]!);
console.log(`\n${TASKS} tasks per configuration and round, ${ROUNDS} rounds interleaved, trivial edit (retouch-test, n=1), 4 worker slots per process\n`);
console.log('| configuration | tasks/s (median) | rounds | vs SQLite |');
console.log('|---|---:|---|---:|');
for (const [i, c] of configurations.entries()) {
  const m = median(rates[i]!);
  console.log(`| ${c.label} | ${m.toFixed(0)} | ${rates[i]!.map((r) => r.toFixed(0)).join(', ')} | ${(m / base).toFixed(2)}× |`);
}
