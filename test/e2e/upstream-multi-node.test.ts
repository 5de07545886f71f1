/**
 * Upstream tasks on PostgreSQL across nodes: a worker node submits to a real retouch upstream
 * and is SIGKILLed while the upstream works; another worker node, sharing the database, resumes
 * polling the SAME upstream tasks (counted at the upstream: one create per task) and settles
 * them; the API node serves the results.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTask, imageDataUri, waitForStatus } from '../helpers/http.js';
import type { Node } from '../helpers/nodes.js';
import { openCluster, type Cluster } from '../helpers/pg-cluster.js';
import { TEST_DATABASE_URL } from '../helpers/postgres.js';
import { startRecordingProxy, type RecordingProxy } from '../helpers/recording-proxy.js';
import { spawnServer, tempDataDir, TEST_KEY, type ChildServer } from '../helpers/server.js';

let cluster: Cluster;
let schema = '';
const upDir = tempDataDir();
let upstream: ChildServer;
let proxy: RecordingProxy;
let nodes: Node[] = [];
let env: Record<string, string>;

beforeAll(async () => {
  upstream = await spawnServer(upDir, { RETOUCH_MAX_RUNNING_PER_WORKSPACE: '20', RETOUCH_WORKER_CONCURRENCY: '4', RETOUCH_RATE_LIMIT_QUERY: '0' });
  proxy = await startRecordingProxy(upstream.url);
  cluster = await openCluster({ apiKey: TEST_KEY });
  schema = cluster.schema;
  const configFile = join(cluster.dir, 'routes.yaml');
  writeFileSync(
    configFile,
    [
      'models:',
      '  cloud:',
      '    engine: dashscope',
      '    options:',
      `      base_url: ${proxy.url}/api/v1`,
      '      api_key_env: UPSTREAM_KEY',
      '      model: retouch-test',
      '      poll_interval: 200ms',
    ].join('\n'),
  );
  // One data dir for all nodes: the blobs (inputs, results) must be visible to every node.
  env = cluster.env('data', {
    RETOUCH_CONFIG: configFile,
    UPSTREAM_KEY: TEST_KEY,
    RETOUCH_LEASE: '1s',
    RETOUCH_WORKER_CONCURRENCY: '2',
    RETOUCH_MAX_RUNNING_PER_WORKSPACE: '100',
  });
  nodes = await Promise.all([cluster.start('api', env), cluster.start('worker', env)]);
}, 60_000);

afterAll(async () => {
  await cluster?.close(3000);
  upstream?.child.kill('SIGKILL');
  await proxy?.close();
  rmSync(upDir, { recursive: true, force: true });
});

describe('upstream tasks across nodes (PostgreSQL)', () => {
  it('a killed worker node’s upstream tasks are resumed by another node: one create each', async () => {
    const api = nodes[0]!;
    const image = await imageDataUri(400, 400);
    const ids: string[] = [];
    const token = `nodes-${Date.now()}`;
    for (let i = 0; i < 3; i++) {
      const res = await createTask(api.url, TEST_KEY, { model: 'cloud', input: { prompt: `sleep=3000 ${token}-${i}`, images: [image] }, parameters: { n: 2 } });
      expect(res.status).toBe(200);
      ids.push(res.body.output.task_id);
    }
    const db = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
    try {
      for (;;) {
        const { rows } = await db.query(`SELECT count(*)::int AS c FROM "${schema}".tasks WHERE upstream IS NOT NULL AND id = ANY($1)`, [ids]);
        if (rows[0].c === ids.length) break;
        await sleep(50);
      }
    } finally {
      await db.end();
    }
    nodes[1]!.child.kill('SIGKILL');
    await nodes[1]!.exited;
    nodes[1] = await cluster.start('worker', env);
    for (const id of ids) {
      const done = await waitForStatus(api.url, TEST_KEY, id, undefined, 60_000);
      expect(done.body.output.task_status).toBe('SUCCEEDED');
      expect(done.body.retouch).toEqual({ route: 'cloud', engine: 'dashscope' });
      for (const item of done.body.output.results as { url: string }[]) {
        const res = await fetch(item.url);
        expect(res.status).toBe(200);
        expect(
          Buffer.from(await res.arrayBuffer())
            .subarray(1, 4)
            .toString('latin1'),
        ).toBe('PNG');
      }
    }
    for (let i = 0; i < 3; i++) {
      expect(proxy.log.filter((e) => e.method === 'POST' && e.path.includes('image-synthesis') && e.prompt?.endsWith(`${token}-${i}`))).toHaveLength(1);
    }
  }, 120_000);
});
