/**
 * Push across nodes on PostgreSQL: two API processes and one worker process on one schema and
 * one S3 bucket. Tasks are created on API A; the SSE stream, the workspace stream and the
 * long-poll are held by API B, which never runs an edit: everything they report crossed nodes
 * through LISTEN/NOTIFY. Then 20 identical creates with one Idempotency-Key, split across A and
 * B at once, must make exactly one task.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTask, imageDataUri, listTasks } from '../helpers/http.js';
import type { Node } from '../helpers/nodes.js';
import { openCluster, type Cluster } from '../helpers/pg-cluster.js';
import { openSse, statusOf, type SseEvent } from '../helpers/sse.js';

const KEY = 'sk-retouch-push-multi-0001';
let cluster: Cluster;
let a: Node;
let b: Node;
let worker: Node;
let image = '';

beforeAll(async () => {
  cluster = await openCluster({
    apiKey: KEY,
    s3: true,
    settings: {
      RETOUCH_ENABLE_TEST_ENGINE: 'true',
      RETOUCH_WORKER_CONCURRENCY: '2',
      RETOUCH_RATE_LIMIT_SUBMIT: '0',
      RETOUCH_RATE_LIMIT_QUERY: '0',
      RETOUCH_SHUTDOWN_GRACE: '2s',
    },
  });
  [a, b, worker] = await Promise.all([
    cluster.start('api', cluster.env('node-0')),
    cluster.start('api', cluster.env('node-1')),
    cluster.start('worker', cluster.env('node-2')),
  ]);
  image = await imageDataUri(400, 400);
}, 60_000);

afterAll(() => cluster?.close());

const auth = { Authorization: `Bearer ${KEY}` };
const body = (prompt: string, n: number) => ({ model: 'retouch-test', input: { prompt, images: [image] }, parameters: { n, prompt_extend: false } });

describe('push on PostgreSQL: stream on one API node, task created on another, edits on a worker node', () => {
  it('streams every state of a task from node B while node A took it and the worker ran it', async () => {
    const workspace = await openSse(`${b.url}/api/v1/tasks/events`, auth);
    const id = (await createTask(a.url, KEY, body('sleep=300', 3))).body.output.task_id;
    const stream = await openSse(`${b.url}/api/v1/tasks/${id}/events`, auth);
    await stream.ended;
    const events = stream.events;
    const seen = events.map((e) => Number(e.id));
    expect(seen).toEqual([...seen].sort((x, y) => x - y));
    expect(events.filter((e) => statusOf(e) === 'RUNNING').map((e) => e.body.output.task_metrics.SUCCEEDED)).toEqual(expect.arrayContaining([1, 2]));
    const last = events.at(-1)!;
    expect(statusOf(last)).toBe('SUCCEEDED');
    expect(last.body.output.results).toHaveLength(3);
    expect(last.body.output.results[0].url.startsWith(cluster.s3!.endpoint)).toBe(true);
    // The workspace stream on B saw it too, up to the end. It may start at PENDING or, when
    // the worker's claim (one statement) lands before B's feed has re-read the new task, at
    // RUNNING: watchers get records, not events, and may skip a state (src/tasks/task-feed.ts).
    const mine = (e: SseEvent[]) => e.filter((x) => x.body.output.task_id === id);
    await workspace.until((e) => mine(e).some((x) => statusOf(x) === 'SUCCEEDED'));
    expect(['PENDING', 'RUNNING']).toContain(statusOf(mine(workspace.events)[0]!));
    const revisions = mine(workspace.events).map((e) => Number(e.id));
    expect(revisions).toEqual([...revisions].sort((x, y) => x - y));
    workspace.close();
  });

  it('resumes on node A a stream begun on node B, with what happened in between', async () => {
    const id = (await createTask(a.url, KEY, body('sleep=400', 2))).body.output.task_id;
    const first = await openSse(`${b.url}/api/v1/tasks/${id}/events`, auth);
    const [initial] = await first.until((e) => e.length >= 1);
    first.close();
    const resumed = await openSse(`${a.url}/api/v1/tasks/${id}/events`, { ...auth, 'Last-Event-ID': initial!.id! });
    await resumed.ended;
    expect(resumed.events.every((e) => Number(e.id) > Number(initial!.id))).toBe(true);
    expect(statusOf(resumed.events.at(-1)!)).toBe('SUCCEEDED');
  });

  it('answers a long-poll on node B when the worker finishes', async () => {
    const id = (await createTask(a.url, KEY, body('sleep=300', 1))).body.output.task_id;
    const states: string[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await call(`${b.url}/api/v1/tasks/${id}?wait=30`, { key: KEY });
      expect(res.headers.get('preference-applied')).toBe('wait=30');
      states.push(res.body.output.task_status);
      if (res.body.output.task_status === 'SUCCEEDED') break;
    }
    expect(states.at(-1)).toBe('SUCCEEDED');
  });

  it('makes one task of 20 concurrent identical keyed creates sent to two API nodes', async () => {
    const keyed = body('sleep=1 idempotent', 1);
    const before = (await listTasks(a.url, KEY, { page_size: 100 })).body.total;
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => createTask(i % 2 ? a.url : b.url, KEY, keyed, { 'Idempotency-Key': 'multi-node-key' })),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(new Set(answers.map((r) => r.body.output.task_id)).size).toBe(1);
    expect(answers.filter((r) => r.headers.get('idempotent-replayed') === null)).toHaveLength(1);
    expect((await listTasks(b.url, KEY, { page_size: 100 })).body.total).toBe(before + 1);
    const other = await createTask(a.url, KEY, body('sleep=1 another', 1), { 'Idempotency-Key': 'multi-node-key' });
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('IdempotencyKey.Mismatch');
  });
});
