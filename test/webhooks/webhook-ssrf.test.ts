/**
 * Webhooks never reach a forbidden address (loopback, private ranges, link-local/metadata,
 * localhost names) unless allow-listed: refused when registered (endpoint or callback header),
 * and refused again at connect time when the URL got into the store some other way (as after a
 * DNS change): the receiver on loopback then sees nothing and the delivery log says why.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createBody, createTask, imageDataUri, waitForStatus } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { eventually, startReceiver, type Receiver } from './receiver.js';

let server: TestServer;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  // No RETOUCH_WEBHOOK_ALLOW: the production default.
  server = await startTestServer({ RETOUCH_WEBHOOK_RETRY_SCHEDULE: '20ms', RETOUCH_WEBHOOK_POLL_INTERVAL: '20ms' });
});

afterAll(async () => {
  await server?.close();
  await receiver?.stop();
});

const FORBIDDEN = [
  'http://127.0.0.1:9/x',
  'http://localhost:9/x',
  'http://api.localhost/x',
  'http://[::1]:9/',
  'http://10.1.2.3/',
  'http://172.16.0.1/',
  'http://192.168.1.1/',
  'http://169.254.169.254/latest/meta-data/',
  'http://[fd00::1]/',
  'http://[::ffff:127.0.0.1]/',
  'http://0.0.0.0/',
  'http://2130706433/',
];

describe('webhook SSRF policy', () => {
  it.each(FORBIDDEN)('refuses to register %s', async (url) => {
    const res = await call(`${server.url}/api/v1/webhooks`, { key: server.key, body: { url } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('InvalidURL');
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
  });

  it.each(['ftp://example.com/', 'http://user:pw@example.com/', 'not a url', ''])('refuses the malformed URL %j', async (url) => {
    const res = await call(`${server.url}/api/v1/webhooks`, { key: server.key, body: { url } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('InvalidURL');
  });

  it('refuses a forbidden callback URL at create, and creates no task', async () => {
    const before = (await call(`${server.url}/api/v1/tasks`, { key: server.key })).body.total;
    const res = await createTask(server.url, server.key, createBody([await imageDataUri()], 'ok', { n: 1 }), {
      'X-Retouch-Callback-Url': 'http://169.254.169.254/latest/',
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('InvalidURL');
    expect(res.body.message).toMatch(/X-Retouch-Callback-Url/);
    expect((await call(`${server.url}/api/v1/tasks`, { key: server.key })).body.total).toBe(before);
  });

  it('refuses at connect time an endpoint that reached the store without the registration check', async () => {
    // As if the name had resolved to a public address when registered and to loopback now.
    const db = new Database(join(server.dataDir, 'retouch.db'));
    db.prepare(
      `INSERT INTO webhook_endpoints (id, workspace_id, url, events, description, secret, created_at)
       VALUES ('wh_forced', 'default', ?, '*', '', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 0)`,
    ).run(`${receiver.url}/`);
    db.close();
    const created = await createTask(server.url, server.key, createBody([await imageDataUri()], 'ok', { n: 1 }));
    await waitForStatus(server.url, server.key, created.body.output.task_id);
    const log = await eventually(async () => {
      const res = await call(`${server.url}/api/v1/webhooks/wh_forced/deliveries`, { key: server.key });
      const data = res.body.data as any[];
      return data.length === 2 && data.every((d) => d.state === 'failed') ? data : undefined;
    });
    for (const d of log) {
      expect(d.attempt_log.every((a: any) => a.status === undefined && /private or reserved/.test(a.error))).toBe(true);
    }
    expect(receiver.received).toHaveLength(0);
  });
});

describe('webhook API errors', () => {
  it('answers in the DashScope shape', async () => {
    const put = await call(`${server.url}/api/v1/webhooks`, { key: server.key, method: 'PUT', body: {} });
    expect(put.status).toBe(400);
    expect(put.body.message).toBe("Request method 'PUT' is not supported.");
    const noKey = await call(`${server.url}/api/v1/webhooks`);
    expect(noKey.status).toBe(401);
    expect(noKey.body.code).toBe('InvalidApiKey');
    const notJson = await call(`${server.url}/api/v1/webhooks`, { key: server.key, body: 'nope' });
    expect(notJson.body.code).toBe('InvalidParameter');
    const badEvents = await call(`${server.url}/api/v1/webhooks`, { key: server.key, body: { url: 'https://example.com/', events: 'task.failed' } });
    expect(badEvents.status).toBe(400);
    expect(badEvents.body.message).toMatch(/^Parameter events is invalid/);
  });
});
