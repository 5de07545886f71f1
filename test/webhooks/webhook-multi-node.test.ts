/**
 * Webhooks in a multi-node deployment on PostgreSQL: an API node and two worker nodes (child
 * processes) share one schema; every node runs a dispatcher, and SKIP LOCKED claims split the
 * outbox, so each delivery reaches the receiver once (with live nodes), signed and verifiable.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { call, createBody, createTask, imageDataUri, waitForStatus } from '../helpers/http.js';
import { startNode, stopNode, type Node } from '../helpers/nodes.js';
import { dropSchema, newSchemaName, TEST_DATABASE_URL } from '../helpers/postgres.js';
import { tempDataDir, TEST_KEY } from '../helpers/server.js';
import { eventually, startReceiver, verify } from './receiver.js';

const TASKS = 12;

describe('webhooks across nodes (PostgreSQL)', () => {
  const schema = newSchemaName();
  const nodes: Node[] = [];
  afterAll(async () => {
    await Promise.all(nodes.map((n) => stopNode(n)));
    await dropSchema(schema);
  });

  it('delivers each event once, whichever node settles the task', async () => {
    const receiver = await startReceiver();
    const env = {
      RETOUCH_DATABASE_URL: TEST_DATABASE_URL,
      RETOUCH_DATABASE_SCHEMA: schema,
      RETOUCH_API_KEY: TEST_KEY,
      RETOUCH_PORT: '0',
      RETOUCH_ENABLE_TEST_ENGINE: 'true',
      RETOUCH_LOG_LEVEL: 'warn',
      RETOUCH_WORKER_CONCURRENCY: '2',
      RETOUCH_WEBHOOK_ALLOW: '127.0.0.1',
      RETOUCH_WEBHOOK_POLL_INTERVAL: '20ms',
      RETOUCH_RATE_LIMIT_SUBMIT: '0',
      RETOUCH_RATE_LIMIT_QUERY: '0',
    };
    try {
      // One data dir for all: the local-disk blob store stands in for a shared bucket.
      const shared = { ...env, RETOUCH_DATA_DIR: tempDataDir() };
      nodes.push(await startNode('api', shared));
      nodes.push(await startNode('worker', shared));
      nodes.push(await startNode('worker', shared));
      const api = nodes[0]!.url;
      const endpoint = (await call(`${api}/api/v1/webhooks`, { key: TEST_KEY, body: { url: receiver.url, events: ['task.succeeded'] } })).body;
      const image = await imageDataUri();
      const ids: string[] = [];
      for (let i = 0; i < TASKS; i++) ids.push((await createTask(api, TEST_KEY, createBody([image], 'sleep=20', { n: 1 }))).body.output.task_id);
      for (const id of ids) expect((await waitForStatus(api, TEST_KEY, id)).body.output.task_status).toBe('SUCCEEDED');
      await receiver.until((r) => r.length >= TASKS);
      await eventually(async () => {
        const log = (await call(`${api}/api/v1/webhooks/${endpoint.id}/deliveries`, { key: TEST_KEY })).body.data as any[];
        return log.length === TASKS && log.every((d) => d.state === 'delivered');
      });
      const events = receiver.received.map((r) => ({ id: r.headers['webhook-id'], event: verify(endpoint.secret, r) }));
      expect(events).toHaveLength(TASKS);
      expect(new Set(events.map((e) => e.id)).size).toBe(TASKS);
      expect(new Set(events.map((e) => e.event.data.output.task_id))).toEqual(new Set(ids));
    } finally {
      await receiver.stop();
    }
  });
});
