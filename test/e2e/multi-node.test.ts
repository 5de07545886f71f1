/**
 * Scale-out end to end: 2 API processes and 3 worker processes on one PostgreSQL schema and one
 * S3 bucket. Tasks are submitted across both API nodes; one worker is SIGKILLed mid-run. Every
 * task must succeed, no edit may run twice except those the killed worker had started, and
 * every result link (a presigned S3 URL) must download.
 *
 * "Ran" is counted by the test engine's run log (one line per edit started, from any process),
 * independently of the store's own bookkeeping.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTask, getTask, imageDataUri } from '../helpers/http.js';
import { stopNode, type Node } from '../helpers/nodes.js';
import { openCluster, type Cluster } from '../helpers/pg-cluster.js';
import { TEST_DATABASE_URL } from '../helpers/postgres.js';

const KEY = 'sk-retouch-multi-node-0001';
const TASKS = 300;
const WORKER_CONCURRENCY = 4;

let cluster: Cluster;
let schema = '';
let runLog = '';
let nodes: Node[] = [];

beforeAll(async () => {
  cluster = await openCluster({
    apiKey: KEY,
    s3: true,
    settings: {
      RETOUCH_ENABLE_TEST_ENGINE: 'true',
      RETOUCH_LEASE: '1s',
      RETOUCH_WORKER_CONCURRENCY: String(WORKER_CONCURRENCY),
      RETOUCH_MAX_RUNNING_PER_WORKSPACE: '1000',
      RETOUCH_RATE_LIMIT_SUBMIT: '0',
      RETOUCH_RATE_LIMIT_QUERY: '0',
      RETOUCH_SHUTDOWN_GRACE: '3s',
    },
  });
  schema = cluster.schema;
  runLog = join(cluster.dir, 'runs.log');
  writeFileSync(runLog, '');
  // All five at once: they race to apply the migrations.
  const roles = ['api', 'api', 'worker', 'worker', 'worker'] as const;
  nodes = await Promise.all(roles.map((role, i) => cluster.start(role, cluster.env(`node-${i}`, { RETOUCH_TEST_ENGINE_LOG: runLog }))));
}, 60_000);

afterAll(() => cluster?.close());

describe('multi-node: 2 API and 3 worker processes on PostgreSQL + S3', () => {
  it("runs every task once, recovers a killed worker's tasks, and serves every result", async () => {
    const apis = nodes.filter((n) => n.role === 'api');
    const workers = nodes.filter((n) => n.role === 'worker');
    const image = await imageDataUri(384, 384);
    const started = Date.now();
    const ids: string[] = [];
    for (let batch = 0; batch < TASKS; batch += 25) {
      const created = await Promise.all(
        Array.from({ length: 25 }, (_, j) =>
          createTask(apis[(batch + j) % 2]!.url, KEY, {
            model: 'retouch-test',
            input: { prompt: `mark=t${batch + j} sleep=150`, images: [image] },
            parameters: { n: 1, prompt_extend: false },
          }),
        ),
      );
      for (const res of created) {
        expect(res.status).toBe(200);
        ids.push(res.body.output.task_id);
      }
    }

    // Kill a worker once edits are under way: its running tasks must be recovered by the others.
    while (readFileSync(runLog, 'utf8').split('\n').length < 40) await sleep(20);
    workers[0]!.child.kill('SIGKILL');
    expect(await workers[0]!.exited).toBe('SIGKILL');

    const pending = new Set(ids);
    const deadline = Date.now() + 60_000;
    while (pending.size > 0 && Date.now() < deadline) {
      const batch = [...pending].slice(0, 50);
      const states = await Promise.all(batch.map((id, i) => getTask(apis[i % 2]!.url, KEY, id)));
      states.forEach((res, i) => {
        const status = res.body.output.task_status;
        if (status === 'SUCCEEDED') pending.delete(batch[i]!);
        else expect(['PENDING', 'RUNNING']).toContain(status);
      });
      if (pending.size > 0) await sleep(100);
    }
    expect(pending.size).toBe(0);

    // Runs per task from the engine's log; attempts from the store.
    const runs = new Map<string, number>();
    for (const line of readFileSync(runLog, 'utf8').split('\n').filter(Boolean)) {
      const mark = line.split(' ')[0]!;
      runs.set(mark, (runs.get(mark) ?? 0) + 1);
    }
    const db = new pg.Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${schema}` });
    await db.connect();
    const { rows } = await db.query<{ prompt: string; attempts: number }>('SELECT prompt, attempts FROM tasks');
    await db.end();
    const attempts = new Map(rows.map((r) => [r.prompt.split(' ')[0]!.slice('mark='.length), r.attempts]));
    expect(runs.size).toBe(TASKS);
    // No claim ran the edit twice, and a task was claimed again only after its lease expired:
    // the killed worker's tasks (and, on a loaded machine, any whose heartbeat came too late).
    // A claim may have run it zero times (killed while still loading the inputs).
    for (const [mark, count] of runs) {
      const claims = attempts.get(mark)!;
      expect([mark, count <= claims, claims === 1 ? count : 1]).toEqual([mark, true, 1]);
    }
    const recovered = [...attempts].filter(([, a]) => a > 1).length;
    expect(recovered).toBeGreaterThan(0);
    expect(Math.max(...attempts.values())).toBeLessThanOrEqual(3);
    console.log(`multi-node: ${TASKS} tasks, ${recovered} claimed more than once, ${Date.now() - started} ms from first submit`);

    // Every result link is a presigned URL on the S3 server, and downloads.
    for (let i = 0; i < ids.length; i += 50) {
      await Promise.all(
        ids.slice(i, i + 50).map(async (id, j) => {
          const res = await getTask(apis[j % 2]!.url, KEY, id);
          const url: string = res.body.output.results[0].url;
          expect(url.startsWith(cluster.s3!.endpoint)).toBe(true);
          const file = await fetch(url);
          expect(file.status).toBe(200);
          expect(
            Buffer.from(await file.arrayBuffer())
              .subarray(1, 4)
              .toString(),
          ).toBe('PNG');
        }),
      );
    }

    // Graceful drain: the survivors exit 0 on SIGTERM.
    const survivors = nodes.filter((n) => n !== workers[0]);
    expect(await Promise.all(survivors.map((n) => stopNode(n)))).toEqual(survivors.map(() => 0));
  }, 90_000);
});
