/**
 * `?api_key=` (for browsers' EventSource on the SSE routes) never reaches the access log: the
 * server runs as a child process at log level info and its output is searched for the key.
 */
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { spawnServer, tempDataDir, TEST_KEY } from '../helpers/server.js';
import { openSse } from '../helpers/sse.js';

describe('API keys in query strings', () => {
  it('are masked in the request log', async () => {
    const dataDir = tempDataDir();
    const server = await spawnServer(dataDir, { RETOUCH_LOG_LEVEL: 'info' });
    try {
      const stream = await openSse(`${server.url}/api/v1/tasks/events?api_key=${encodeURIComponent(TEST_KEY)}&x=1`);
      expect(stream.status).toBe(200);
      stream.close();
      const unknown = await openSse(`${server.url}/api/v1/tasks/00000000-0000-4000-8000-000000000000/events?API_KEY=${TEST_KEY}`);
      await unknown.ended;
      await new Promise((r) => setTimeout(r, 200));
      expect(server.output()).toContain('/api/v1/tasks/events?api_key=[redacted]&x=1');
      expect(server.output()).not.toContain(TEST_KEY);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
