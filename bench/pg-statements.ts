/**
 * CPU per task-path operation on PostgreSQL (issue 15): for each of insert, claim, routing,
 * result, settle and an empty claim, the CPU of this process (the node side: driver, pool,
 * kernel socket work) and of the PostgreSQL backend serving it (/proc/<backend pid>/stat), one
 * task at a time on one connection, so that nothing else in either figure is ours.
 * With --retouch-root DIR, the same sequence runs on DIR's dist/ too, rounds interleaved
 * (A B A B), medians reported.
 *
 *   npm run build && npx tsx bench/pg-statements.ts --retouch-root /work/main --tasks 1500 --rounds 3
 *
 * /proc counts in clock ticks (10 ms): the per-operation figures are sums over many tasks
 * divided by their number, so use ≥ 1,000 tasks.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { openPostgresState as OpenState } from '../src/backends.js';
import { newTask } from '../test/contracts/tasks.js';
import { dropSchema, newSchemaName, TEST_DATABASE_URL } from '../test/helpers/postgres.js';
import { REPO_ROOT } from './lib/procs.js';
import { median } from './lib/stats.js';

const { values } = parseArgs({
  options: {
    tasks: { type: 'string', default: '1500' },
    rounds: { type: 'string', default: '3' },
    'retouch-root': { type: 'string' },
  },
});
const TASKS = Number(values.tasks);
const ROUNDS = Number(values.rounds);
const T0 = 1_750_000_000_000;
const OPS = ['insert', 'claim', 'routing', 'result', 'settle', 'empty claim'] as const;
type Op = (typeof OPS)[number];
type Figures = Record<Op, { pg: number; node: number }>;

const builds = [...(values['retouch-root'] ? [resolve(values['retouch-root'])] : []), REPO_ROOT];
const opens = new Map<string, typeof OpenState>();
for (const root of builds) {
  const backends = (await import(pathToFileURL(`${root}/dist/backends.js`).href)) as { openPostgresState: typeof OpenState };
  opens.set(root, backends.openPostgresState);
}

const ticksMs = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
};
const selfMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

async function run(root: string, tasks: number): Promise<Figures> {
  const schema = newSchemaName();
  const node = await opens.get(root)!({ url: TEST_DATABASE_URL, schema, maxConnections: 1 }, Date.now());
  try {
    const { rows } = await node.pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const backend = rows[0]!.pid;
    const sums = Object.fromEntries(OPS.map((op) => [op, { pg: 0, node: 0 }])) as Figures;
    const measure = async (op: Op, fn: () => Promise<unknown>) => {
      const pg0 = ticksMs(backend);
      const node0 = selfMs();
      await fn();
      sums[op].pg += ticksMs(backend) - pg0;
      sums[op].node += selfMs() - node0;
    };
    for (let i = 0; i < tasks; i++) {
      const task = newTask({ submitTime: T0 + i });
      await measure('insert', () => node.tasks.insert(task));
      await measure('claim', () => node.queue.claim('w', T0, T0 + 60_000, 1000));
      await measure('routing', () => node.queue.setRouting(task.id, 'w', { engine: 'retouch-test' }));
      await measure('result', () => node.queue.recordResult(task.id, 'w', 0, { ok: true, key: `${task.id}/0.png` } as never));
      await measure('settle', () => node.queue.settle(task.id, 'w', { status: 'SUCCEEDED', endTime: T0, expiresAt: T0 + 1e9 }));
      await measure('empty claim', () => node.queue.claim('w', T0, T0 + 60_000, 1000));
    }
    for (const op of OPS) sums[op] = { pg: (sums[op].pg * 1000) / tasks, node: (sums[op].node * 1000) / tasks };
    return sums;
  } finally {
    await node.close();
    await dropSchema(schema);
  }
}

const results = new Map<string, Figures[]>(builds.map((b) => [b, []]));
for (const root of builds) await run(root, Math.min(200, TASKS)); // warm-up: JIT, plans
for (let round = 0; round < ROUNDS; round++) {
  for (const root of builds) {
    const figures = await run(root, TASKS);
    results.get(root)!.push(figures);
    const total = (key: 'pg' | 'node') => OPS.reduce((sum, op) => sum + figures[op][key], 0).toFixed(0);
    console.log(`round ${round + 1}: ${root}: per task ${total('node')} µs node + ${total('pg')} µs PostgreSQL backend`);
  }
}

console.log(
  `\n${TASKS} tasks per round, ${ROUNDS} rounds interleaved, one connection; CPU per operation in µs (median of rounds), node / PostgreSQL backend\n`,
);
console.log(`| operation | ${builds.map((b) => b).join(' | ')} |`);
console.log(`|---|${builds.map(() => '---:').join('|')}|`);
for (const op of [...OPS, 'per task'] as const) {
  const cells = builds.map((root) => {
    const rounds = results.get(root)!;
    const value = (key: 'pg' | 'node') => median(rounds.map((f) => (op === 'per task' ? OPS.reduce((sum, o) => sum + f[o][key], 0) : f[op][key]))).toFixed(0);
    return `${value('node')} / ${value('pg')}`;
  });
  console.log(`| ${op} | ${cells.join(' | ')} |`);
}
