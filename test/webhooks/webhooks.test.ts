/**
 * Webhooks end to end against a real receiver (node:http on loopback, allow-listed by
 * RETOUCH_WEBHOOK_ALLOW as a test setting): Standard Webhooks signatures verified with the
 * `standardwebhooks` library, payload = the GET task body, event filter, per-task callbacks,
 * retries after 500s and timeouts, a receiver down for a while, redirects not followed, the
 * delivery log, endpoint removal. Short retry schedule (RETOUCH_WEBHOOK_RETRY_SCHEDULE).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { call, createBody, createTask, getTask, imageDataUri, waitForStatus } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { eventually, startReceiver, verify, type Receiver } from './receiver.js';

let server: TestServer;
let receiver: Receiver;
let image: string;

const api = (path: string, init: Parameters<typeof call>[1] = {}) => call(`${server.url}/api/v1${path}`, { key: server.key, ...init });

async function addEndpoint(url: string, events?: string[]) {
  const res = await api('/webhooks', { body: { url, ...(events ? { events } : {}) } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { id: string; secret: string; events: string[] };
}

async function deliveries(id: string) {
  const res = await api(`/webhooks/${id}/deliveries`);
  expect(res.status).toBe(200);
  return res.body.data as any[];
}

beforeAll(async () => {
  image = await imageDataUri();
  receiver = await startReceiver();
  server = await startTestServer({
    RETOUCH_WEBHOOK_ALLOW: '127.0.0.1',
    RETOUCH_WEBHOOK_RETRY_SCHEDULE: '50ms,100ms,150ms',
    RETOUCH_WEBHOOK_TIMEOUT: '300ms',
    RETOUCH_WEBHOOK_POLL_INTERVAL: '20ms',
    RETOUCH_RATE_LIMIT_SUBMIT: '0',
    RETOUCH_RATE_LIMIT_QUERY: '0',
  });
});

afterAll(async () => {
  await server?.close();
  await receiver?.stop();
});

beforeEach(async () => {
  receiver.answer = () => ({ status: 200 });
  for (const e of (await api('/webhooks')).body.data) await api(`/webhooks/${e.id}`, { method: 'DELETE' });
  receiver.received.length = 0;
});

describe('webhook endpoints', () => {
  it('delivers task.running and task.succeeded, signed, with the GET task body as data', async () => {
    const endpoint = await addEndpoint(`${receiver.url}/hooks`);
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
    expect(endpoint.events).toEqual(['*']);
    const created = await createTask(server.url, server.key, createBody([image], 'sleep=50', { n: 1 }));
    const taskId = created.body.output.task_id;
    await waitForStatus(server.url, server.key, taskId);
    await receiver.until((r) => r.some((x) => verify(endpoint.secret, x).type === 'task.succeeded'));
    const events = receiver.received.map((r) => verify(endpoint.secret, r));
    expect(events.map((e) => e.type).sort()).toEqual(['task.running', 'task.succeeded']);
    const succeeded = events.find((e) => e.type === 'task.succeeded')!;
    const body = (await getTask(server.url, server.key, taskId)).body;
    // The data is the GET body; its request_id is the create request's.
    expect(succeeded.data).toEqual({ ...body, request_id: created.body.request_id });
    expect(Date.parse(succeeded.timestamp)).toBeGreaterThan(0);
    const ids = receiver.received.map((r) => r.headers['webhook-id']);
    expect(new Set(ids).size).toBe(2);
    expect(receiver.received.every((r) => r.headers['content-type'] === 'application/json')).toBe(true);
    const log = await deliveries(endpoint.id);
    expect(log.map((d) => [d.event_type, d.state, d.attempts, d.task_id]).sort()).toEqual([
      ['task.running', 'delivered', 1, taskId],
      ['task.succeeded', 'delivered', 1, taskId],
    ]);
    expect(log.every((d) => ids.includes(d.id) && d.attempt_log[0].status === 200)).toBe(true);
  });

  it('a tampered body or a wrong secret fails verification', async () => {
    const endpoint = await addEndpoint(receiver.url);
    await api(`/webhooks/${endpoint.id}/test`, { method: 'POST' });
    await receiver.until((r) => r.length >= 1);
    const r = receiver.received[0]!;
    expect(verify(endpoint.secret, r).type).toBe('webhook.test');
    expect(() => verify(endpoint.secret, { ...r, body: r.body.replace('test', 'tset') })).toThrow();
    const other = await addEndpoint(receiver.url);
    expect(() => verify(other.secret, r)).toThrow();
  });

  it('honours the event filter', async () => {
    const failedOnly = await addEndpoint(receiver.url, ['task.failed']);
    const ok = await createTask(server.url, server.key, createBody([image], 'ok', { n: 1 }));
    const bad = await createTask(server.url, server.key, createBody([image], 'fail=0', { n: 1 }));
    await waitForStatus(server.url, server.key, ok.body.output.task_id);
    await waitForStatus(server.url, server.key, bad.body.output.task_id);
    await receiver.until((r) => r.length >= 1);
    await eventually(async () => (await deliveries(failedOnly.id)).every((d) => d.state === 'delivered') || undefined);
    const events = receiver.received.map((r) => verify(failedOnly.secret, r));
    expect(events.map((e) => [e.type, e.data.output.task_id])).toEqual([['task.failed', bad.body.output.task_id]]);
    expect(events[0]!.data.output.code).toBeTruthy();
  });

  it('retries after 500s with the same webhook-id and logs every attempt', async () => {
    const endpoint = await addEndpoint(receiver.url, ['task.succeeded']);
    receiver.answer = (_r, i) => ({ status: i < 2 ? 500 : 204 });
    const created = await createTask(server.url, server.key, createBody([image], 'ok', { n: 1 }));
    await receiver.until((r) => r.length >= 3);
    const ids = new Set(receiver.received.map((r) => r.headers['webhook-id']));
    expect(ids.size).toBe(1);
    receiver.received.forEach((r) => expect(verify(endpoint.secret, r).data.output.task_id).toBe(created.body.output.task_id));
    const [d] = await eventually(async () => {
      const log = await deliveries(endpoint.id);
      return log[0]?.state === 'delivered' ? log : undefined;
    });
    expect(d.id).toBe([...ids][0]);
    expect(d.attempts).toBe(3);
    expect(d.attempt_log.map((a: any) => a.status)).toEqual([500, 500, 204]);
    expect(d.attempt_log[0].error).toBe('HTTP 500');
    // Identical bytes on every attempt; timestamps and signatures are per attempt.
    expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
  });

  it('retries after a timeout', async () => {
    const endpoint = await addEndpoint(receiver.url, ['task.succeeded']);
    receiver.answer = (_r, i) => ({ status: 200, delayMs: i === 0 ? 1000 : 0 });
    await createTask(server.url, server.key, createBody([image], 'ok', { n: 1 }));
    const [d] = await eventually(async () => {
      const log = await deliveries(endpoint.id);
      return log[0]?.state === 'delivered' ? log : undefined;
    });
    expect(d.attempts).toBe(2);
    expect(d.attempt_log[0].status).toBeUndefined();
    expect(d.attempt_log[0].error).toMatch(/no response within 300 ms/);
    expect(d.attempt_log[1].status).toBe(200);
  });

  it('gives up after the last retry and marks the delivery failed', async () => {
    const endpoint = await addEndpoint(receiver.url, ['task.succeeded']);
    receiver.answer = () => ({ status: 503 });
    await createTask(server.url, server.key, createBody([image], 'ok', { n: 1 }));
    const [d] = await eventually(async () => {
      const log = await deliveries(endpoint.id);
      return log[0]?.state === 'failed' ? log : undefined;
    });
    // 1 attempt + 3 retries (the schedule has three steps).
    expect(d.attempts).toBe(4);
    expect(receiver.received).toHaveLength(4);
    expect(d.last_status).toBe(503);
  });

  it('survives the receiver being down for a while', async () => {
    const endpoint = await addEndpoint(receiver.url, ['task.succeeded']);
    await receiver.stop();
    try {
      await createTask(server.url, server.key, createBody([image], 'ok', { n: 1 }));
      await eventually(async () => ((await deliveries(endpoint.id))[0]?.attempts ?? 0) >= 2 || undefined);
      const [pending] = await deliveries(endpoint.id);
      expect(pending.state).toBe('pending');
      expect(pending.attempt_log[0].error).toBe('connection refused');
    } finally {
      await receiver.start();
    }
    await receiver.until((r) => r.length >= 1);
    const [d] = await eventually(async () => {
      const log = await deliveries(endpoint.id);
      return log[0]?.state === 'delivered' ? log : undefined;
    });
    expect(receiver.received[0]!.headers['webhook-id']).toBe(d.id);
  });

  it('does not follow redirects', async () => {
    const endpoint = await addEndpoint(`${receiver.url}/first`, ['task.succeeded']);
    receiver.answer = (r) => (r.path === '/first' ? { status: 307, headers: { location: `${receiver.url}/second` } } : { status: 200 });
    await createTask(server.url, server.key, createBody([image], 'ok', { n: 1 }));
    const [d] = await eventually(async () => {
      const log = await deliveries(endpoint.id);
      return log[0]?.state === 'failed' ? log : undefined;
    });
    expect(receiver.received.every((r) => r.path === '/first')).toBe(true);
    expect(d.last_status).toBe(307);
    expect(d.last_error).toMatch(/redirects are not followed/);
  });

  it('removing an endpoint cancels its pending deliveries', async () => {
    const endpoint = await addEndpoint(receiver.url, ['task.succeeded']);
    receiver.answer = () => ({ status: 500 });
    await createTask(server.url, server.key, createBody([image], 'ok', { n: 1 }));
    await receiver.until((r) => r.length >= 1);
    expect((await api(`/webhooks/${endpoint.id}`, { method: 'DELETE' })).status).toBe(200);
    const count = receiver.received.length;
    await new Promise((r) => setTimeout(r, 400));
    // At most the attempt already in flight when it was removed.
    expect(receiver.received.length).toBeLessThanOrEqual(count + 1);
    expect((await api(`/webhooks/${endpoint.id}/deliveries`)).status).toBe(404);
    expect((await api(`/webhooks/${endpoint.id}`, { method: 'DELETE' })).body.code).toBe('NotFound');
  });
});

describe('the delivery log', () => {
  it('limit must be plain digits from 1 to 200 (0x10, 1e1 were read as numbers)', async () => {
    const endpoint = await addEndpoint(`${receiver.url}/hooks`);
    expect((await api(`/webhooks/${endpoint.id}/deliveries?limit=5`)).status).toBe(200);
    for (const limit of ['0', '201', 'abc', '2.5', '0x10', '1e1', '%205']) {
      const res = await api(`/webhooks/${endpoint.id}/deliveries?limit=${limit}`);
      expect(res.status, limit).toBe(400);
      expect(res.body).toMatchObject({ code: 'InvalidParameter' });
    }
  });
});

describe('per-task callbacks', () => {
  it('sends the final state to X-Retouch-Callback-Url, signed with the callback secret', async () => {
    const secret = (await api('/webhooks/callback-secret')).body.secret as string;
    expect(secret).toMatch(/^whsec_/);
    const created = await createTask(server.url, server.key, createBody([image], 'fail=1', { n: 2 }), {
      'X-Retouch-Callback-Url': `${receiver.url}/cb?task=1`,
    });
    expect(created.status).toBe(200);
    const taskId = created.body.output.task_id;
    await receiver.until((r) => r.length >= 1);
    const r = receiver.received[0]!;
    expect(r.path).toBe('/cb?task=1');
    const event = verify(secret, r);
    expect(event.type).toBe('task.succeeded');
    expect(event.data.output.task_id).toBe(taskId);
    expect(event.data.output.task_metrics).toEqual({ TOTAL: 2, SUCCEEDED: 1, FAILED: 1 });
    // Only the final state: no task.running for callbacks.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.received).toHaveLength(1);
    expect((await api('/webhooks/callback-secret')).body.secret).toBe(secret);
  });

  it('a canceled task calls back with task.canceled', async () => {
    // Fill the worker slots so the next task stays PENDING long enough to cancel it.
    const blockers = await Promise.all([1, 2].map(() => createTask(server.url, server.key, createBody([image], 'sleep=800', { n: 1 }))));
    const created = await createTask(server.url, server.key, createBody([image], 'ok', { n: 1 }), { 'X-Retouch-Callback-Url': receiver.url });
    const canceled = await api(`/tasks/${created.body.output.task_id}/cancel`, { method: 'POST' });
    expect(canceled.status).toBe(200);
    await receiver.until((r) => r.length >= 1);
    const secret = (await api('/webhooks/callback-secret')).body.secret as string;
    expect(verify(secret, receiver.received[0]!).type).toBe('task.canceled');
    for (const b of blockers) await waitForStatus(server.url, server.key, b.body.output.task_id);
  });
});
