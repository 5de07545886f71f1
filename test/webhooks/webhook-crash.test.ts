/**
 * Durability: a server (child process) is SIGKILLed while its deliveries are pending (the
 * receiver is down), then restarted with the receiver up. Every delivery arrives, with the id it
 * had before the crash, and no delivery appears under a new id: at-least-once with the same id.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { call, createBody, createTask, imageDataUri, waitForStatus } from '../helpers/http.js';
import { spawnServer, tempDataDir, TEST_KEY, type ChildServer } from '../helpers/server.js';
import { eventually, startReceiver, verify } from './receiver.js';

const TASKS = 8;
const ENV = {
  RETOUCH_WEBHOOK_ALLOW: '127.0.0.1',
  RETOUCH_WEBHOOK_RETRY_SCHEDULE: '100ms,200ms,300ms,500ms,500ms,500ms,500ms,500ms,500ms,500ms,500ms,500ms,500ms,500ms',
  RETOUCH_WEBHOOK_POLL_INTERVAL: '20ms',
  RETOUCH_WEBHOOK_TIMEOUT: '500ms',
  RETOUCH_RATE_LIMIT_SUBMIT: '0',
  RETOUCH_RATE_LIMIT_QUERY: '0',
};

describe('webhook deliveries across a SIGKILL', () => {
  const dir = tempDataDir();
  let server: ChildServer | undefined;
  afterAll(() => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers every pending delivery after a restart, under its original id', async () => {
    const receiver = await startReceiver();
    await receiver.stop();
    try {
      server = await spawnServer(dir, ENV);
      const base = server.url;
      const endpoint = (await call(`${base}/api/v1/webhooks`, { key: TEST_KEY, body: { url: `${receiver.url}/hook`, events: ['task.succeeded'] } })).body;
      const image = await imageDataUri();
      const ids: string[] = [];
      for (let i = 0; i < TASKS; i++) ids.push((await createTask(base, TEST_KEY, createBody([image], 'ok', { n: 1 }))).body.output.task_id);
      for (const id of ids) await waitForStatus(base, TEST_KEY, id);
      // Every delivery has been tried at least once against the dead receiver.
      const before = await eventually(async () => {
        const log = (await call(`${base}/api/v1/webhooks/${endpoint.id}/deliveries`, { key: TEST_KEY })).body.data as any[];
        return log.length === TASKS && log.every((d) => d.attempts >= 1 && d.state === 'pending') ? log : undefined;
      });
      const deliveryIds = new Set(before.map((d) => d.id as string));
      expect(new Set(before.map((d) => d.task_id))).toEqual(new Set(ids));

      server.child.kill('SIGKILL');
      await server.exited;
      await receiver.start();
      server = await spawnServer(dir, ENV);

      await receiver.until((r) => new Set(r.map((x) => x.headers['webhook-id'])).size >= TASKS);
      const received = receiver.received.map((r) => ({ id: String(r.headers['webhook-id']), event: verify(endpoint.secret, r) }));
      // Same ids as before the crash, none new; each for its own task.
      expect(new Set(received.map((r) => r.id))).toEqual(deliveryIds);
      for (const r of received) {
        expect(r.event.type).toBe('task.succeeded');
        expect(before.find((d) => d.id === r.id)?.task_id).toBe(r.event.data.output.task_id);
      }
      const after = await eventually(async () => {
        const log = (await call(`${server!.url}/api/v1/webhooks/${endpoint.id}/deliveries`, { key: TEST_KEY })).body.data as any[];
        return log.every((d) => d.state === 'delivered') ? log : undefined;
      });
      expect(after).toHaveLength(TASKS);
      server.child.kill('SIGTERM');
      await server.exited;
    } finally {
      await receiver.stop();
    }
  });

  it('resends, under the same id, a delivery whose attempt was cut by the crash', async () => {
    const own = tempDataDir();
    const receiver = await startReceiver();
    // The first request is held open: the server dies while waiting for the answer.
    receiver.answer = (_r, i) => ({ status: 200, delayMs: i === 0 ? 2000 : 0 });
    try {
      server = await spawnServer(own, ENV);
      const endpoint = (await call(`${server.url}/api/v1/webhooks`, { key: TEST_KEY, body: { url: receiver.url, events: ['task.succeeded'] } })).body;
      const task = (await createTask(server.url, TEST_KEY, createBody([await imageDataUri()], 'ok', { n: 1 }))).body.output.task_id;
      await receiver.until((r) => r.length >= 1);
      server.child.kill('SIGKILL');
      await server.exited;
      server = await spawnServer(own, ENV);
      // After the dead node's lock expired (timeout + 5 s), the new process sends it again.
      await receiver.until((r) => r.length >= 2, 30_000);
      const [first, second] = receiver.received;
      expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
      expect(verify(endpoint.secret, second!).data.output.task_id).toBe(task);
      server.child.kill('SIGTERM');
      await server.exited;
    } finally {
      await receiver.stop();
      rmSync(own, { recursive: true, force: true });
    }
  });
});
