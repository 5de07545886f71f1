/**
 * Key revocation across nodes: two retouch processes on one PostgreSQL schema. Each caches
 * successful key lookups (auth/key-cache.ts) for KEY_CACHE_TTL_MS; a key revoked through one
 * node is refused there at once and on the other node once that bound has passed, although the
 * other node had just served the key from its cache.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_CACHE_TTL_MS } from '../../src/auth/key-cache.js';
import { call } from '../helpers/http.js';
import { startNode, stopNode, type Node } from '../helpers/nodes.js';
import { dropSchema, newSchemaName, TEST_DATABASE_URL } from '../helpers/postgres.js';

const ADMIN_KEY = 'sk-retouch-revocation-admin-0001';

describe('key revocation on a second node', () => {
  let schema = '';
  let dir = '';
  let nodes: Node[] = [];
  beforeAll(async () => {
    schema = newSchemaName();
    dir = mkdtempSync(join(tmpdir(), 'revocation-'));
    const env = (i: number) => ({
      RETOUCH_DATABASE_URL: TEST_DATABASE_URL,
      RETOUCH_DATABASE_SCHEMA: schema,
      RETOUCH_DATA_DIR: join(dir, `node-${i}`),
      RETOUCH_HOST: '127.0.0.1',
      RETOUCH_PORT: '0',
      RETOUCH_API_KEY: ADMIN_KEY,
      RETOUCH_LOG_LEVEL: 'warn',
      RETOUCH_RATE_LIMIT_QUERY: '0',
      RETOUCH_WORKER_CONCURRENCY: '0',
    });
    nodes.push(await startNode('api', env(0)));
    nodes.push(await startNode('api', env(1)));
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => stopNode(n)));
    await dropSchema(schema);
    rmSync(dir, { recursive: true, force: true });
  });

  it(`a key revoked on node A is refused on node B within ${KEY_CACHE_TTL_MS} ms`, async () => {
    const [a, b] = nodes as [Node, Node];
    const created = await call(`${a.url}/api/v1/admin/keys`, { key: ADMIN_KEY, body: { workspace_id: 'team-r', name: 'to revoke' } });
    expect(created.status).toBe(200);
    const { id, secret } = created.body.data as { id: string; secret: string };
    // Both nodes accept it, and B now holds it in its cache.
    for (const node of [a, b]) expect((await call(`${node.url}/api/v1/tasks`, { key: secret })).status).toBe(200);

    const revoked = await call(`${a.url}/api/v1/admin/keys/${id}`, { key: ADMIN_KEY, method: 'DELETE' });
    expect(revoked.status).toBe(200);
    const onA = await call(`${a.url}/api/v1/tasks`, { key: secret });
    expect(onA.status).toBe(401); // revoked through A: A's cache dropped it
    expect(onA.body.code).toBe('InvalidApiKey');

    await sleep(KEY_CACHE_TTL_MS + 50);
    const onB = await call(`${b.url}/api/v1/tasks`, { key: secret });
    expect(onB.status).toBe(401);
    expect(onB.body.code).toBe('InvalidApiKey');
    // The admin key, still valid, still works on both.
    for (const node of [a, b]) expect((await call(`${node.url}/api/v1/tasks`, { key: ADMIN_KEY })).status).toBe(200);
  });
});
