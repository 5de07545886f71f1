/**
 * The admin API against real servers, on embedded SQLite and on PostgreSQL: the admin role,
 * key management (created once, listed without secrets, revoked at once), workspaces, usage per
 * workspace and day from the tasks table.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema, newSchemaName, TEST_DATABASE_URL } from '../helpers/postgres.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const TEST_MODEL = 'retouch-test';
let inputImage = '';

async function call(server: TestServer, key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: JSON.parse(text) as Record<string, any> };
}

async function submit(server: TestServer, key: string, prompt: string, n: number): Promise<string> {
  const res = await fetch(`${server.url}/api/v1/services/aigc/image2image/image-synthesis`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-dashscope-async': 'enable' },
    body: JSON.stringify({ model: TEST_MODEL, input: { prompt, images: [inputImage] }, parameters: { n } }),
  });
  const body = (await res.json()) as { output: { task_id: string } };
  expect(res.status).toBe(200);
  return body.output.task_id;
}

async function settled(server: TestServer, key: string, id: string, wanted: string): Promise<void> {
  for (;;) {
    const { body } = await call(server, key, 'GET', `/api/v1/tasks/${id}`);
    if (body.output.task_status === wanted) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const backends: [string, () => Promise<{ env: Record<string, string>; cleanup: () => Promise<void> }>][] = [
  ['SQLite', async () => ({ env: {}, cleanup: async () => undefined })],
  [
    'PostgreSQL',
    async () => {
      const schema = newSchemaName();
      return { env: { RETOUCH_DATABASE_URL: TEST_DATABASE_URL, RETOUCH_DATABASE_SCHEMA: schema }, cleanup: () => dropSchema(schema) };
    },
  ],
];

describe.each(backends)('admin API on %s', (_name, backend) => {
  let server: TestServer;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const png = await sharp({ create: { width: 400, height: 400, channels: 3, background: '#808080' } })
      .png()
      .toBuffer();
    inputImage = `data:image/png;base64,${png.toString('base64')}`;
    const b = await backend();
    cleanup = b.cleanup;
    // One worker, so that a task waits PENDING behind a hanging one (to be cancelled).
    server = await startTestServer({ ...b.env, RETOUCH_WORKER_CONCURRENCY: '1', RETOUCH_SHUTDOWN_GRACE: '1ms' });
  });
  afterAll(async () => {
    await server.close();
    await cleanup();
  });

  it('the configured key is an admin key; keys made through the API are not, unless asked', async () => {
    const list = await call(server, server.key, 'GET', '/api/v1/admin/keys');
    expect(list.status).toBe(200);
    expect(list.body.data).toEqual([expect.objectContaining({ workspace_id: 'default', name: 'RETOUCH_API_KEY', admin: true, revoked_at: null })]);

    const created = await call(server, server.key, 'POST', '/api/v1/admin/keys', { workspace_id: 'team-b', name: 'ci' });
    expect(created.status).toBe(200);
    const { secret, ...info } = created.body.data;
    expect(secret).toMatch(/^sk-[0-9a-f]{48}$/);
    expect(info).toMatchObject({ workspace_id: 'team-b', name: 'ci', admin: false, revoked_at: null });

    // The new key works for its workspace, but not for the admin API.
    expect((await call(server, secret, 'GET', '/api/v1/tasks')).status).toBe(200);
    const denied = await call(server, secret, 'GET', '/api/v1/admin/keys');
    expect(denied.status).toBe(403);
    expect(denied.type).toContain('application/json');
    expect(denied.body).toMatchObject({ code: 'AccessDenied', message: 'This API key is not an admin key; the admin API needs one.' });
    expect(typeof denied.body.request_id).toBe('string');
    for (const [method, path] of [
      ['POST', '/api/v1/admin/keys'],
      ['DELETE', `/api/v1/admin/keys/${info.id}`],
      ['GET', '/api/v1/admin/workspaces'],
      ['GET', '/api/v1/admin/usage'],
    ] as const) {
      expect((await call(server, secret, method, path, method === 'POST' ? {} : undefined)).body.code).toBe('AccessDenied');
    }
    expect((await call(server, 'sk-nobody', 'GET', '/api/v1/admin/keys')).body.code).toBe('InvalidApiKey');

    // The secret is shown once: never in a listing.
    const after = await call(server, server.key, 'GET', '/api/v1/admin/keys?workspace_id=team-b');
    expect(after.body.data).toEqual([expect.objectContaining({ id: info.id })]);
    expect(JSON.stringify(after.body)).not.toContain(secret);

    const adminKey = await call(server, server.key, 'POST', '/api/v1/admin/keys', { name: 'second admin', admin: true });
    expect(adminKey.body.data.admin).toBe(true);
    expect((await call(server, adminKey.body.data.secret, 'GET', '/api/v1/admin/keys')).status).toBe(200);
  });

  it('revokes at once, refuses unknown ids and the last admin key', async () => {
    const created = (await call(server, server.key, 'POST', '/api/v1/admin/keys', { workspace_id: 'team-c' })).body.data;
    const revoked = await call(server, server.key, 'DELETE', `/api/v1/admin/keys/${created.id}`);
    expect(revoked).toMatchObject({ status: 200, body: { data: { id: created.id, revoked: true } } });
    expect((await call(server, created.secret, 'GET', '/api/v1/tasks')).status).toBe(401);
    expect((await call(server, server.key, 'DELETE', `/api/v1/admin/keys/${created.id}`)).body).toMatchObject({ code: 'NotFound' });

    // Two admin keys now (the configured one, "second admin"): one may go, the last may not.
    const keys = (await call(server, server.key, 'GET', '/api/v1/admin/keys')).body.data as {
      id: string;
      admin: boolean;
      name: string;
      revoked_at: number | null;
    }[];
    const second = keys.find((k) => k.name === 'second admin')!;
    const configured = keys.find((k) => k.name === 'RETOUCH_API_KEY')!;
    expect((await call(server, server.key, 'DELETE', `/api/v1/admin/keys/${second.id}`)).status).toBe(200);
    const last = await call(server, server.key, 'DELETE', `/api/v1/admin/keys/${configured.id}`);
    expect(last).toMatchObject({ status: 400, body: { code: 'UnsupportedOperation' } });
  });

  it('validates its input with clear messages', async () => {
    const bad = await call(server, server.key, 'POST', '/api/v1/admin/keys', { workspace_id: 'no spaces' });
    expect(bad).toMatchObject({ status: 400, body: { code: 'InvalidParameter', message: 'Parameter workspace_id must be 1-64 letters, digits, "_" or "-".' } });
    expect((await call(server, server.key, 'POST', '/api/v1/admin/keys', { admin: 'yes' })).body.message).toBe('Parameter admin must be a boolean.');
    expect((await call(server, server.key, 'GET', '/api/v1/admin/usage?start_date=2026-02-30')).body.message).toBe(
      'Parameter start_date must be a date like 2026-01-31 (YYYY-MM-DD, UTC).',
    );
    expect((await call(server, server.key, 'GET', '/api/v1/admin/usage?start_date=2026-01-01&end_date=2026-12-31')).body.message).toBe(
      'The usage span must be at most 92 days.',
    );
  });

  it('reports usage per workspace and day, and the workspaces', async () => {
    const teamD = (await call(server, server.key, 'POST', '/api/v1/admin/keys', { workspace_id: 'team-d' })).body.data.secret as string;
    const ok = await submit(server, server.key, 'fine', 2);
    await settled(server, server.key, ok, 'SUCCEEDED');
    const partial = await submit(server, teamD, 'fail=0', 2);
    await settled(server, teamD, partial, 'SUCCEEDED');
    const failed = await submit(server, teamD, 'fail=0', 1);
    await settled(server, teamD, failed, 'FAILED');
    // The only worker hangs on this one, so the next waits PENDING and can be cancelled.
    const hanging = await submit(server, teamD, 'hang', 1);
    await settled(server, teamD, hanging, 'RUNNING');
    const waiting = await submit(server, teamD, 'fine', 1);
    expect((await call(server, teamD, 'POST', `/api/v1/tasks/${waiting}/cancel`)).status).toBe(200);

    const today = new Date().toISOString().slice(0, 10);
    const usage = await call(server, server.key, 'GET', '/api/v1/admin/usage');
    expect(usage.status).toBe(200);
    expect(usage.body.end_date).toBe(today);
    expect(usage.body.data).toEqual([
      { workspace_id: 'default', date: today, tasks: 1, succeeded: 1, failed: 0, canceled: 0, images: 2 },
      { workspace_id: 'team-d', date: today, tasks: 4, succeeded: 1, failed: 1, canceled: 1, images: 1 },
    ]);
    const one = await call(server, server.key, 'GET', `/api/v1/admin/usage?workspace_id=team-d&start_date=${today}&end_date=${today}`);
    expect(one.body.data).toHaveLength(1);
    expect((await call(server, server.key, 'GET', '/api/v1/admin/usage?start_date=2020-01-01&end_date=2020-01-31')).body.data).toEqual([]);

    const ws = await call(server, server.key, 'GET', '/api/v1/admin/workspaces');
    expect(ws.body.data).toEqual(
      expect.arrayContaining([
        { id: 'default', keys: 2, active_keys: 1, admin_keys: 1, stored_tasks: 1 },
        { id: 'team-d', keys: 1, active_keys: 1, admin_keys: 0, stored_tasks: 4 },
      ]),
    );
  });
});
