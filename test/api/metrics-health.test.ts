/**
 * GET /metrics parsed with a Prometheus text-format parser (parse-prometheus-text-format), its
 * values checked against what the test did: HTTP requests by route and status, tasks by state,
 * task latency and engine timings by route and outcome, webhook deliveries. /healthz, and
 * /readyz both ready and unready (the blob store made unreachable), with JSON saying what failed.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import parse from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createBody, createTask, getTask, imageDataUri, waitForStatus } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { eventually, startReceiver, type Receiver } from '../webhooks/receiver.js';

const TOKEN = 'metrics-token-0123456789';
let server: TestServer;
let receiver: Receiver;

async function scrape() {
  const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  // parse-prometheus-text-format merges the series of a labelled histogram into one and drops
  // their labels; declared untyped, each of _bucket/_sum/_count is parsed as its own family.
  return parse(text.replace(/^# TYPE (\S+) histogram$/gm, '# TYPE $1 untyped'));
}

type Families = Awaited<ReturnType<typeof scrape>>;

function sample(families: Families, name: string, labels: Record<string, string> = {}) {
  // Series of one untyped name may come as several families (one per label set).
  const series = families.filter((f) => f.name === name).flatMap((f) => f.metrics);
  if (series.length === 0) throw new Error(`no metric ${name}`);
  return series.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
}

const value = (families: Families, name: string, labels: Record<string, string> = {}) => Number(sample(families, name, labels)?.value ?? 0);
const count = (families: Families, name: string, labels: Record<string, string> = {}) => value(families, `${name}_count`, labels);

beforeAll(async () => {
  receiver = await startReceiver();
  server = await startTestServer({
    RETOUCH_METRICS_TOKEN: TOKEN,
    RETOUCH_WEBHOOK_ALLOW: '127.0.0.1',
    RETOUCH_WEBHOOK_POLL_INTERVAL: '20ms',
    RETOUCH_RATE_LIMIT_SUBMIT: '0',
    RETOUCH_RATE_LIMIT_QUERY: '0',
  });
});

afterAll(async () => {
  await server?.close();
  await receiver?.stop();
});

describe('/metrics', () => {
  it('requires the metrics token when one is set', async () => {
    const res = await call(`${server.url}/metrics`);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('InvalidApiKey');
    expect((await call(`${server.url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
  });

  it('counts what happened', async () => {
    await call(`${server.url}/api/v1/webhooks`, { key: server.key, body: { url: receiver.url, events: ['task.succeeded'] } });
    const image = await imageDataUri();
    const ok = [];
    for (let i = 0; i < 3; i++) ok.push((await createTask(server.url, server.key, createBody([image], 'ok', { n: 1 }))).body.output.task_id);
    const bad = (await createTask(server.url, server.key, createBody([image], 'fail=0', { n: 1 }))).body.output.task_id;
    for (const id of [...ok, bad]) await waitForStatus(server.url, server.key, id);
    await receiver.until((r) => r.length >= 3);

    const before = await scrape();
    for (let i = 0; i < 5; i++) expect((await getTask(server.url, server.key, ok[0]!)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await call(`${server.url}/no/such/path`)).status).toBe(404);
    const after = await eventually(async () => {
      const m = await scrape();
      return value(m, 'retouch_webhook_deliveries_total', { outcome: 'delivered' }) === 3 ? m : undefined;
    });

    const getTaskRoute = { method: 'GET', route: '/api/v1/tasks/:id', status: '200' };
    expect(value(after, 'retouch_http_requests_total', getTaskRoute) - value(before, 'retouch_http_requests_total', getTaskRoute)).toBe(5);
    const unmatched = { method: 'GET', route: 'unmatched', status: '404' };
    expect(value(after, 'retouch_http_requests_total', unmatched) - value(before, 'retouch_http_requests_total', unmatched)).toBe(3);
    const createRoute = { route: '/api/v1/services/aigc/image2image/image-synthesis', status: '200' };
    expect(value(after, 'retouch_http_requests_total', createRoute)).toBe(4);
    expect(count(after, 'retouch_http_request_duration_seconds', { route: '/api/v1/services/aigc/image2image/image-synthesis' })).toBe(4);

    expect(value(after, 'retouch_tasks', { state: 'SUCCEEDED' })).toBe(3);
    expect(value(after, 'retouch_tasks', { state: 'FAILED' })).toBe(1);
    expect(value(after, 'retouch_tasks', { state: 'PENDING' })).toBe(0);
    expect(count(after, 'retouch_task_latency_seconds', { route: 'retouch-test', outcome: 'succeeded' })).toBe(3);
    expect(count(after, 'retouch_task_latency_seconds', { route: 'retouch-test', outcome: 'failed' })).toBe(1);
    expect(count(after, 'retouch_task_queue_wait_seconds', { route: 'retouch-test' })).toBe(4);
    expect(count(after, 'retouch_engine_edit_seconds', { route: 'retouch-test', outcome: 'ok' })).toBe(3);
    expect(count(after, 'retouch_engine_edit_seconds', { route: 'retouch-test', outcome: 'error' })).toBe(1);

    expect(value(after, 'retouch_webhook_attempts_total', { result: 'success' })).toBe(3);
    expect(value(after, 'retouch_webhook_deliveries_pending')).toBe(0);
    expect(count(after, 'retouch_webhook_attempt_duration_seconds')).toBe(3);
    // Default process metrics are there too.
    expect(value(after, 'retouch_process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });
});

describe('/healthz and /readyz', () => {
  it('answers liveness', async () => {
    const res = await call(`${server.url}/healthz`);
    expect(res).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('is ready when store, blobs, workers and the dispatcher are', async () => {
    const res = await call(`${server.url}/readyz`);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ready');
    expect(res.body.checks.map((c: any) => [c.name, c.ok])).toEqual([
      ['accepting', true],
      ['store', true],
      ['blobs', true],
      ['workers', true],
      ['webhooks', true],
    ]);
  });

  it('answers 503 naming the failed check when the blob store is unreachable', async () => {
    const blobs = join(server.dataDir, 'blobs');
    rmSync(blobs, { recursive: true, force: true });
    writeFileSync(blobs, 'not a directory');
    try {
      const res = await call(`${server.url}/readyz`);
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      expect(res.body.status).toBe('unready');
      const failed = res.body.checks.filter((c: any) => !c.ok);
      expect(failed.map((c: any) => c.name)).toEqual(['blobs']);
      expect(failed[0].error).toBeTruthy();
    } finally {
      rmSync(blobs, { force: true });
    }
  });
});
