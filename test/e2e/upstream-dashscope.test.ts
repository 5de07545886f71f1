/**
 * The `dashscope` engine against a SECOND REAL retouch process as its upstream (retouch speaks
 * DashScope), through a recording proxy that counts what reaches the upstream. Front and
 * upstreams are child processes (`retouch serve`, from the build), so they can be SIGKILLed.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTask, getTask, imageDataUri, waitForStatus } from '../helpers/http.js';
import { startRecordingProxy, type RecordingProxy } from '../helpers/recording-proxy.js';
import { createClient } from '@retouch/sdk';
import { spawnServer, tempDataDir, TEST_KEY, type ChildServer } from '../helpers/server.js';

const KEY = TEST_KEY;
let upstream: ChildServer;
let queued: ChildServer;
let front: ChildServer;
let proxy: RecordingProxy;
let queuedProxy: RecordingProxy;
const upDir = tempDataDir();
const queuedDir = tempDataDir();
const frontDir = tempDataDir();
let frontEnv: Record<string, string>;
let image: string;
const upstreamEnv = {
  RETOUCH_RATE_LIMIT_QUERY: '3',
  RETOUCH_RATE_LIMIT_SUBMIT: '2',
  RETOUCH_LEASE: '2s',
  RETOUCH_MAX_RUNNING_PER_WORKSPACE: '20',
  RETOUCH_WORKER_CONCURRENCY: '4',
};

const isCreate = (e: { method: string; path: string }) => e.method === 'POST' && e.path.includes('/image-synthesis');
/**
 * Upstream tasks made for prompts containing `token`: accepted creates, one per upstream task id
 * (a create retried after a lost answer carries the same Idempotency-Key and is answered with
 * the task the first one made, so it is not a second task).
 */
const createsFor = (p: RecordingProxy, token: string) => {
  const accepted = p.log.filter((e) => isCreate(e) && e.status === 200 && e.prompt?.includes(token));
  return accepted.filter((e, i) => accepted.findIndex((f) => f.upstreamTaskId === e.upstreamTaskId) === i);
};

async function submit(model: string, prompt: string, parameters: Record<string, unknown> = {}): Promise<string> {
  const res = await createTask(front.url, KEY, { model, input: { prompt, images: [image] }, parameters });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.output.task_id as string;
}

/** GET a task on the upstream itself; the test shares its 3 queries/s with the front, so waits out 429s. */
async function upstreamTask(id: string) {
  for (;;) {
    const res = await getTask(upstream.url, KEY, id);
    if (res.status !== 429) return res;
    await sleep(Number(res.headers.get('retry-after') ?? '1') * 1000);
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * Whether the front has stored the task's upstream id (read from its database file). A kill
 * between the upstream's answer to the create and this write (milliseconds) is the one window
 * in which a task is submitted again (docs/upstreams.md); "mid-task" means after it.
 */
function storedUpstreamId(taskId: string): string | undefined {
  const db = new Database(join(frontDir, 'retouch.db'), { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare('SELECT upstream FROM tasks WHERE id = ?').get(taskId) as { upstream: string | null } | undefined;
    return row?.upstream ? (JSON.parse(row.upstream) as { id: string }).id : undefined;
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  image = await imageDataUri(400, 400);
  upstream = await spawnServer(upDir, upstreamEnv);
  proxy = await startRecordingProxy(upstream.url);
  // An upstream without workers: its tasks stay PENDING (queued) until cancelled.
  queued = await spawnServer(queuedDir, { RETOUCH_WORKER_CONCURRENCY: '0' });
  queuedProxy = await startRecordingProxy(queued.url);
  const routes = {
    models: {
      cloud: {
        engine: 'dashscope',
        options: { base_url: `${proxy.url}/api/v1`, api_key_env: 'UPSTREAM_KEY', model: 'retouch-test', poll_interval: '200ms', query_per_second: 20 },
        timeout: '2m',
      },
      queued: {
        engine: 'dashscope',
        options: { base_url: `${queuedProxy.url}/api/v1`, api_key_env: 'UPSTREAM_KEY', model: 'retouch-test', poll_interval: '200ms' },
      },
      hybrid: { engine: 'auto', fallback: 'cloud' },
      'wan2.5-i2i-preview': { engine: 'local' },
    },
  };
  const configFile = join(frontDir, 'routes.json');
  writeFileSync(configFile, JSON.stringify(routes));
  frontEnv = {
    RETOUCH_CONFIG: configFile,
    UPSTREAM_KEY: KEY,
    RETOUCH_RATE_LIMIT_SUBMIT: '1000',
    RETOUCH_RATE_LIMIT_QUERY: '1000',
    RETOUCH_LEASE: '2s',
    RETOUCH_MAX_RUNNING_PER_WORKSPACE: '50',
  };
  front = await spawnServer(frontDir, frontEnv);
}, 60_000);

afterAll(async () => {
  for (const child of [front, upstream, queued]) child?.child.kill('SIGKILL');
  await Promise.all([proxy?.close(), queuedProxy?.close()]);
  for (const dir of [upDir, queuedDir, frontDir]) rmSync(dir, { recursive: true, force: true });
});

describe('dashscope engine against a real retouch upstream', () => {
  it('lists the configured models in both shapes', async () => {
    const models = await call(`${front.url}/api/v1/models`, { key: KEY });
    expect(models.status).toBe(200);
    const byId = Object.fromEntries((models.body.data as { id: string; engine: string; object: string; owned_by: string }[]).map((m) => [m.id, m]));
    expect(byId.cloud).toEqual({ id: 'cloud', object: 'model', engine: 'dashscope', owned_by: 'retouch' });
    expect(byId.hybrid?.engine).toBe('auto');
    expect(byId['wan2.5-i2i-preview']?.engine).toBe('local');
    const openai = await call(`${front.url}/v1/models`, { key: KEY });
    expect(openai.body.object).toBe('list');
    expect(openai.body.data.map((m: { id: string }) => m.id)).toContain('cloud');
    expect(Number.isInteger(openai.body.data[0].created)).toBe(true);
    const denied = await call(`${front.url}/v1/models`, { key: 'sk-not-a-key-000' });
    expect(denied.status).toBe(401);
    expect(denied.body.error.type).toBe('invalid_request_error');
    // The upstream key is never returned.
    expect(JSON.stringify(models.body)).not.toContain(KEY);
  });

  it('n=4 with a partial failure, usage and actual_prompt: mapped faithfully, results served by the front', async () => {
    const token = `partial-${Date.now()}`;
    const id = await submit('cloud', `sleep=300 fail=1,3 ${token}`, { n: 4, prompt_extend: true });
    const done = await waitForStatus(front.url, KEY, id, undefined, 60_000);
    expect(done.body.output.task_status).toBe('SUCCEEDED');
    expect(done.body.retouch).toEqual({ route: 'cloud', engine: 'dashscope' });
    const creates = createsFor(proxy, token);
    expect(creates).toHaveLength(1);
    // The upstream's own answer for the same task, compared field by field.
    const up = await upstreamTask(creates[0]!.upstreamTaskId!);
    expect(up.body.output.task_status).toBe('SUCCEEDED');
    expect(done.body.output.task_metrics).toEqual(up.body.output.task_metrics);
    expect(done.body.output.task_metrics).toEqual({ TOTAL: 4, SUCCEEDED: 2, FAILED: 2 });
    expect(done.body.usage).toEqual(up.body.usage);
    const results = done.body.output.results as Record<string, string>[];
    const upResults = up.body.output.results as Record<string, string>[];
    for (const i of [1, 3]) {
      expect(results[i]).toEqual({ code: upResults[i]!.code, message: upResults[i]!.message });
      expect(results[i]!.code).toBe('InternalError.Algo');
    }
    for (const i of [0, 2]) {
      expect(results[i]!.url!.startsWith(front.url)).toBe(true);
      expect(results[i]!.actual_prompt).toBe(upResults[i]!.actual_prompt);
      const mine = Buffer.from(await (await fetch(results[i]!.url!)).arrayBuffer());
      const theirs = Buffer.from(await (await fetch(upResults[i]!.url!)).arrayBuffer());
      expect(mine.equals(theirs)).toBe(true);
    }
  }, 90_000);

  it('an oss:// input uploaded to the front goes upstream as a data URI', async () => {
    const client = createClient({ baseUrl: front.url, apiKey: KEY });
    const ref = await client.uploadFile(Buffer.from(image.split(',')[1]!, 'base64'), { model: 'cloud' });
    expect(ref.startsWith('oss://')).toBe(true);
    const token = `oss-${Date.now()}`;
    const res = await createTask(
      front.url,
      KEY,
      { model: 'cloud', input: { prompt: token, images: [ref] }, parameters: { n: 1 } },
      { 'X-DashScope-OssResourceResolve': 'enable' },
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const done = await waitForStatus(front.url, KEY, res.body.output.task_id, undefined, 60_000);
    expect(done.body.output.task_status).toBe('SUCCEEDED');
    expect(createsFor(proxy, token)[0]!.images).toEqual([expect.stringMatching(/^data:image\/png;base64,/)]);
  }, 60_000);

  it('shows RUNNING while the upstream runs, and passes a task failure code through', async () => {
    const running = await submit('cloud', `sleep=2500 run-${Date.now()}`);
    const seen = await waitForStatus(front.url, KEY, running, ['RUNNING', 'SUCCEEDED', 'FAILED'], 30_000);
    expect(seen.body.output.task_status).toBe('RUNNING');
    expect((await waitForStatus(front.url, KEY, running, undefined, 60_000)).body.output.task_status).toBe('SUCCEEDED');

    const failing = await submit('cloud', `fail=0 code=DataInspectionFailed fail-${Date.now()}`, { n: 1 });
    const failed = await waitForStatus(front.url, KEY, failing, undefined, 60_000);
    expect(failed.body.output).toMatchObject({
      task_status: 'FAILED',
      code: 'DataInspectionFailed',
      message: 'Image 0 failed as requested by the test prompt.',
    });
    expect(failed.body.output.task_metrics).toEqual({ TOTAL: 1, SUCCEEDED: 0, FAILED: 1 });
  }, 120_000);

  it('shows PENDING while queued upstream, and forwards a cancel', async () => {
    const token = `queued-${Date.now()}`;
    const id = await submit('queued', token);
    await until('the upstream create', () => createsFor(queuedProxy, token)[0]?.upstreamTaskId);
    const pending = await getTask(front.url, KEY, id);
    expect(pending.body.output.task_status).toBe('PENDING');
    expect(pending.body.retouch).toEqual({ route: 'queued', engine: 'dashscope' });
    const listed = await call(`${front.url}/api/v1/tasks?task_id=${id}`, { key: KEY });
    expect(listed.body.data[0]).toMatchObject({ task_id: id, status: 'PENDING', retouch: { route: 'queued', engine: 'dashscope' } });
    const cancel = await call(`${front.url}/api/v1/tasks/${id}/cancel`, { key: KEY, method: 'POST' });
    expect(cancel.status, JSON.stringify(cancel.body)).toBe(200);
    expect((await getTask(front.url, KEY, id)).body.output.task_status).toBe('CANCELED');
    const upstreamId = createsFor(queuedProxy, token)[0]!.upstreamTaskId!;
    expect(queuedProxy.log.some((e) => e.method === 'POST' && e.path === `/api/v1/tasks/${upstreamId}/cancel`)).toBe(true);
    expect((await getTask(queued.url, KEY, upstreamId)).body.output.task_status).toBe('CANCELED');
    // A task the upstream already runs cannot be cancelled, as on DashScope.
    const busy = await submit('cloud', `sleep=2000 busy-${Date.now()}`);
    await waitForStatus(front.url, KEY, busy, ['RUNNING'], 30_000);
    const refused = await call(`${front.url}/api/v1/tasks/${busy}/cancel`, { key: KEY, method: 'POST' });
    expect(refused.body.code).toBe('UnsupportedOperation');
  }, 90_000);

  it('hybrid: a mixed batch lands on the right engine, counted', async () => {
    const token = `hybrid-${Date.now()}`;
    const deterministic = ['convert to grayscale', 'make it black and white', 'monochrome'];
    const generative = [`Change the floral dress to a vintage-style lace long dress ${token}`, `Put a wizard hat on the cat ${token}`];
    const ids = new Map<string, string>();
    for (const prompt of [...deterministic, ...generative]) ids.set(await submit('hybrid', prompt), prompt);
    const engines = { local: 0, dashscope: 0 } as Record<string, number>;
    for (const [id, prompt] of ids) {
      const done = await waitForStatus(front.url, KEY, id, undefined, 60_000);
      expect(done.body.output.task_status, prompt).toBe('SUCCEEDED');
      expect(done.body.retouch.route).toBe('hybrid');
      engines[done.body.retouch.engine] = (engines[done.body.retouch.engine] ?? 0) + 1;
      expect(done.body.retouch.engine, prompt).toBe(deterministic.includes(prompt) ? 'local' : 'dashscope');
    }
    expect(engines).toEqual({ local: 3, dashscope: 2 });
    expect(createsFor(proxy, token)).toHaveLength(2);
  }, 120_000);

  it('honours Retry-After when the upstream throttles queries', async () => {
    const throttled = proxy.log.filter((e) => e.status === 429 && e.method === 'GET');
    // Every test above ran against an upstream limited to 3 queries per second.
    expect(throttled.length).toBeGreaterThan(0);
    for (const t of throttled) {
      const wait = Number(t.retryAfter) * 1000;
      expect(wait).toBeGreaterThan(0);
      // Queries that started after the front read the 429 and before its Retry-After ran out.
      // The front reads the 429 some time after the proxy logged it (and a query another poll
      // had already dispatched may start meanwhile): 300 ms of slack for that on a busy 2-core
      // machine; Retry-After is whole seconds, so the window checked is most of it.
      const early = proxy.log.filter((e) => e.method === 'GET' && e.at > t.respondedAt + 300 && e.at < t.respondedAt + wait - 150);
      expect(early, `queries during the Retry-After of the 429 at ${t.respondedAt}`).toEqual([]);
    }
  });

  it('retries creates the upstream throttles (429) after their Retry-After: each task still created once', async () => {
    const token = `burst-${Date.now()}`;
    const ids = await Promise.all([0, 1, 2, 3, 4].map((i) => submit('cloud', `${token}-${i}`, { n: 1 })));
    for (const id of ids) expect((await waitForStatus(front.url, KEY, id, undefined, 60_000)).body.output.task_status).toBe('SUCCEEDED');
    const attempts = proxy.log.filter((e) => isCreate(e) && e.prompt?.includes(token));
    const refused = attempts.filter((e) => e.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      const retry = attempts.find((e) => e.prompt === r.prompt && e.at > r.at);
      expect(retry, `a retry of ${r.prompt}`).toBeDefined();
      expect(retry!.at - r.respondedAt).toBeGreaterThanOrEqual(Number(r.retryAfter) * 1000 - 50);
    }
    for (let i = 0; i < 5; i++) expect(createsFor(proxy, `${token}-${i}`)).toHaveLength(1);
  }, 90_000);

  it('the upstream SIGKILLed and restarted mid-task: the same upstream task finishes, created once', async () => {
    const token = `upkill-${Date.now()}`;
    const id = await submit('cloud', `sleep=3000 ${token}`);
    await until('the upstream create', () => createsFor(proxy, token)[0]?.upstreamTaskId);
    await waitForStatus(front.url, KEY, id, ['RUNNING'], 30_000);
    upstream.child.kill('SIGKILL');
    await upstream.exited;
    proxy.setTarget(undefined);
    await sleep(500);
    upstream = await spawnServer(upDir, upstreamEnv);
    proxy.setTarget(upstream.url);
    const done = await waitForStatus(front.url, KEY, id, undefined, 90_000);
    expect(done.body.output.task_status).toBe('SUCCEEDED');
    expect(createsFor(proxy, token)).toHaveLength(1);
  }, 120_000);

  it('the front SIGKILLed mid-task resumes the same upstream task: exactly one create per task', async () => {
    const tokens = [0, 1, 2].map((i) => `frontkill-${i}-${Date.now()}`);
    const ids: string[] = [];
    for (const token of tokens) ids.push(await submit('cloud', `sleep=2500 ${token}`));
    for (const [i, token] of tokens.entries()) {
      const upstreamId = await until('the upstream creates', () => createsFor(proxy, token)[0]?.upstreamTaskId);
      expect(await until('the stored upstream id', () => storedUpstreamId(ids[i]!))).toBe(upstreamId);
    }
    front.child.kill('SIGKILL');
    await front.exited;
    front = await spawnServer(frontDir, frontEnv);
    for (const id of ids) expect((await waitForStatus(front.url, KEY, id, undefined, 90_000)).body.output.task_status).toBe('SUCCEEDED');
    for (const [i, token] of tokens.entries()) {
      const creates = createsFor(proxy, token);
      expect(creates).toHaveLength(1);
      // The same key on any repeat: an upstream honouring Idempotency-Key would dedupe it.
      expect(creates[0]!.idempotencyKey).toBe(`retouch-${ids[i]}`);
    }
  }, 150_000);

  it('the front SIGTERMed mid-task hands its upstream tasks back and resumes them after a restart', async () => {
    const token = `frontterm-${Date.now()}`;
    const id = await submit('cloud', `sleep=2500 ${token}`);
    await until('the stored upstream id', () => storedUpstreamId(id));
    front.child.kill('SIGTERM');
    expect(await front.exited).toBe(0);
    front = await spawnServer(frontDir, frontEnv);
    expect((await waitForStatus(front.url, KEY, id, undefined, 90_000)).body.output.task_status).toBe('SUCCEEDED');
    expect(createsFor(proxy, token)).toHaveLength(1);
  }, 120_000);

  it('results still download from the front after the upstream data dir is wiped', async () => {
    const id = await submit('cloud', `wipe-${Date.now()}`, { n: 2 });
    const done = await waitForStatus(front.url, KEY, id, undefined, 60_000);
    expect(done.body.output.task_status).toBe('SUCCEEDED');
    upstream.child.kill('SIGKILL');
    await upstream.exited;
    rmSync(upDir, { recursive: true, force: true });
    for (const item of done.body.output.results as { url: string }[]) {
      const res = await fetch(item.url);
      expect(res.status).toBe(200);
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    }
  }, 90_000);

  it('an upstream that forgot the task (UNKNOWN there) fails it with InternalError.Upstream', async () => {
    // The previous test left the upstream dead with its data dir gone: start it empty.
    upstream = await spawnServer(upDir, upstreamEnv);
    proxy.setTarget(upstream.url);
    const token = `forgotten-${Date.now()}`;
    const id = await submit('cloud', `sleep=20000 ${token}`, { n: 1 });
    await until('the upstream create', () => createsFor(proxy, token)[0]?.upstreamTaskId);
    upstream.child.kill('SIGKILL');
    await upstream.exited;
    rmSync(upDir, { recursive: true, force: true });
    upstream = await spawnServer(upDir, upstreamEnv);
    proxy.setTarget(upstream.url);
    const done = await waitForStatus(front.url, KEY, id, undefined, 60_000);
    expect(done.body.output).toMatchObject({ task_status: 'FAILED', code: 'InternalError.Upstream' });
    expect(createsFor(proxy, token)).toHaveLength(1);
  }, 90_000);
});
