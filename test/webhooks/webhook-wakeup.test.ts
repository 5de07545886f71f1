/**
 * On SQLite the dispatcher is woken by the outbox itself (a TEMP trigger calling into the
 * process, src/tasks/sqlite/sqlite-outbox-events.ts), not by its poll: with the poll set to ten
 * minutes, every delivery below can only arrive through that wake-up. task.running is queued by
 * the claim (no settle to piggy-back on), task.canceled by the cancel of a PENDING task.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createBody, createTask, getTask, imageDataUri, waitForStatus } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startReceiver, verify, type Receiver } from './receiver.js';

let server: TestServer;
let receiver: Receiver;
let image: string;

const api = (path: string, init: Parameters<typeof call>[1] = {}) => call(`${server.url}/api/v1${path}`, { key: server.key, ...init });

beforeAll(async () => {
  image = await imageDataUri();
  receiver = await startReceiver();
  server = await startTestServer({
    RETOUCH_WEBHOOK_ALLOW: '127.0.0.1',
    RETOUCH_WEBHOOK_POLL_INTERVAL: '10m',
    RETOUCH_WORKER_CONCURRENCY: '1',
    RETOUCH_RATE_LIMIT_SUBMIT: '0',
    RETOUCH_RATE_LIMIT_QUERY: '0',
  });
});

afterAll(async () => {
  await server?.close();
  await receiver?.stop();
});

describe('SQLite: queued deliveries wake the dispatcher (poll interval 10 min)', () => {
  it('task.running arrives while the task still runs, task.succeeded when it settles', async () => {
    const endpoint = (await api('/webhooks', { body: { url: `${receiver.url}/hooks` } })).body as { id: string; secret: string };
    const created = await createTask(server.url, server.key, createBody([image], 'sleep=3000', { n: 1 }));
    const taskId = created.body.output.task_id as string;
    await receiver.until((r) => r.some((x) => verify(endpoint.secret, x).type === 'task.running'), 10_000);
    // Delivered by the claim's wake-up, not by the settle's: the task has not finished yet.
    expect((await getTask(server.url, server.key, taskId)).body.output.task_status).toBe('RUNNING');
    await waitForStatus(server.url, server.key, taskId);
    await receiver.until((r) => r.some((x) => verify(endpoint.secret, x).type === 'task.succeeded'), 10_000);
    await api(`/webhooks/${endpoint.id}`, { method: 'DELETE' });
  });

  it('a cancel of a PENDING task calls back at once', async () => {
    receiver.received.length = 0;
    const blocker = await createTask(server.url, server.key, createBody([image], 'sleep=1500', { n: 1 }));
    await waitForStatus(server.url, server.key, blocker.body.output.task_id, ['RUNNING']);
    const created = await createTask(server.url, server.key, createBody([image], 'ok', { n: 1 }), { 'X-Retouch-Callback-Url': `${receiver.url}/cb` });
    expect((await api(`/tasks/${created.body.output.task_id}/cancel`, { method: 'POST' })).status).toBe(200);
    await receiver.until((r) => r.length >= 1, 10_000);
    const secret = (await api('/webhooks/callback-secret')).body.secret as string;
    expect(verify(secret, receiver.received[0]!).type).toBe('task.canceled');
    // Still running: the callback did not wait for the next settle either.
    expect((await getTask(server.url, server.key, blocker.body.output.task_id)).body.output.task_status).toBe('RUNNING');
    await waitForStatus(server.url, server.key, blocker.body.output.task_id);
  });
});
