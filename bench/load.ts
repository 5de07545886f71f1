/**
 * Load test (issue 5): many concurrent pollers and submitters against a child-process
 * `retouch serve` on loopback for a fixed time; reports throughput, p50/p99 latency, errors
 * and the server's peak RSS (VmHWM, Linux).
 *
 *   npx tsx bench/load.ts                      # 20 s, 8 submitters, 64 pollers, 4 listers
 *   npx tsx bench/load.ts --seconds 10 --submitters 4 --pollers 32 --listers 2
 *
 * Bounded: every loop stops at the deadline (and after 5 million requests in total); traffic
 * goes to 127.0.0.1 only. The rate limits are raised for the run (RETOUCH_RATE_LIMIT_SUBMIT /
 * _QUERY = 1000000), as one load generator stands in for many workspaces; the running cap and
 * worker concurrency stay at their defaults, so tasks queue up PENDING as they would in real use.
 * Build first (npm run build): the server runs from dist/.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { BENCH_KEY, spawnRetouch } from './lib/procs.js';
import { fmt } from './lib/stats.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const SECONDS = opt('seconds', 20);
const SUBMITTERS = opt('submitters', 8);
const POLLERS = opt('pollers', 64);
const LISTERS = opt('listers', 4);
const MAX_REQUESTS = 5_000_000;

type Kind = 'create' | 'get' | 'list';
const latencies: Record<Kind, number[]> = { create: [], get: [], list: [] };
const errors: Record<Kind, number> = { create: 0, get: 0, list: 0 };
const statuses = new Map<number, number>();
let total = 0;

function peakRssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024);
  } catch {
    return Number.NaN;
  }
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function timed(kind: Kind, url: string, init?: RequestInit): Promise<any> {
  total++;
  const started = performance.now();
  try {
    const res = await fetch(url, init);
    const body = await res.json();
    latencies[kind].push(performance.now() - started);
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    if (res.status !== 200) errors[kind]++;
    return body;
  } catch {
    errors[kind]++;
    return undefined;
  }
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'retouch-load-'));
  const server = await spawnRetouch({
    dataDir,
    env: { RETOUCH_RATE_LIMIT_SUBMIT: '1000000', RETOUCH_RATE_LIMIT_QUERY: '1000000' },
  });
  const pid = server.child.pid!;
  const auth = { Authorization: `Bearer ${BENCH_KEY}` };
  const png = await sharp({ create: { width: 400, height: 400, channels: 3, background: { r: 90, g: 120, b: 200 } } })
    .png()
    .toBuffer();
  const body = JSON.stringify({
    model: 'retouch-test',
    input: { prompt: 'sleep=20', images: [`data:image/png;base64,${png.toString('base64')}`] },
    parameters: { n: 1, seed: 1 },
  });
  const ids: string[] = [];
  const createUrl = `${server.url}/api/v1/services/aigc/image2image/image-synthesis`;
  const baseline = peakRssMb(pid);
  console.log(`retouch ${server.url} (pid ${pid}); ${SECONDS} s, ${SUBMITTERS} submitters, ${POLLERS} pollers, ${LISTERS} listers`);

  const deadline = performance.now() + SECONDS * 1000;
  const running = () => performance.now() < deadline && total < MAX_REQUESTS;
  const submitter = async () => {
    while (running()) {
      const res = await timed('create', createUrl, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json', 'X-DashScope-Async': 'enable' },
        body,
      });
      const id = res?.output?.task_id;
      if (typeof id === 'string') ids.push(id);
    }
  };
  const poller = async (i: number) => {
    while (running()) {
      const id = ids.length > 0 ? ids[(i * 7919 + total) % ids.length]! : 'none';
      await timed('get', `${server.url}/api/v1/tasks/${id}`, { headers: auth });
    }
  };
  const lister = async () => {
    while (running()) await timed('list', `${server.url}/api/v1/tasks?page_size=10`, { headers: auth });
  };
  const started = performance.now();
  await Promise.all([
    ...Array.from({ length: SUBMITTERS }, submitter),
    ...Array.from({ length: POLLERS }, (_, i) => poller(i)),
    ...Array.from({ length: LISTERS }, lister),
  ]);
  const elapsed = (performance.now() - started) / 1000;
  const peak = peakRssMb(pid);

  // How far the workers got: count finished tasks.
  const done = await fetch(`${server.url}/api/v1/tasks?status=SUCCEEDED&page_size=1`, { headers: auth }).then((r) => r.json() as Promise<{ total: number }>);
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });

  console.log('');
  console.log('| operation | requests | throughput (req/s) | p50 (ms) | p99 (ms) | errors |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const kind of ['create', 'get', 'list'] as const) {
    const l = latencies[kind];
    console.log(`| ${kind} | ${l.length} | ${fmt(l.length / elapsed, 0)} | ${fmt(percentile(l, 50), 2)} | ${fmt(percentile(l, 99), 2)} | ${errors[kind]} |`);
  }
  const all = [...latencies.create, ...latencies.get, ...latencies.list];
  console.log(
    `| all | ${total} | ${fmt(all.length / elapsed, 0)} | ${fmt(percentile(all, 50), 2)} | ${fmt(percentile(all, 99), 2)} | ${errors.create + errors.get + errors.list} |`,
  );
  console.log('');
  console.log(
    `elapsed ${fmt(elapsed, 1)} s; tasks created ${ids.length}, SUCCEEDED by the end ${done.total}; HTTP statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
  );
  console.log(`server RSS: ${baseline} MB after start, peak ${peak} MB (VmHWM)`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
