/**
 * Closing the server (what SIGTERM does) waits for requests in flight but not for idle
 * keep-alive connections: a streamed file response once left its socket open, and close()
 * then waited out the 72 s keep-alive timeout.
 */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { CREATE_PATH, createBody, createTask, imageDataUri, waitForStatus } from '../helpers/http.js';
import { startTestServer } from '../helpers/server.js';

const NO_LIMITS = { RETOUCH_RATE_LIMIT_QUERY: '0', RETOUCH_RATE_LIMIT_SUBMIT: '0' };

describe('graceful close', () => {
  it('returns promptly after result downloads over kept-alive connections', async () => {
    const image = await imageDataUri(400, 400);
    for (let round = 0; round < 6; round++) {
      const s = await startTestServer(NO_LIMITS);
      const id = (await createTask(s.url, s.key, createBody([image], 'sleep=1', { n: 1 }))).body.output.task_id;
      const done = await waitForStatus(s.url, s.key, id);
      const file = await fetch(done.body.output.results[0].url);
      expect((await file.arrayBuffer()).byteLength).toBeGreaterThan(0);
      const started = Date.now();
      await s.close();
      expect(Date.now() - started).toBeLessThan(5000);
    }
  });

  it('lets a request that is still uploading finish before closing', async () => {
    const s = await startTestServer(NO_LIMITS);
    const body = JSON.stringify(createBody([await imageDataUri(400, 400)], 'sleep=1', { n: 1 }));
    const half = Math.floor(body.length / 2);
    const url = new URL(s.url + CREATE_PATH);
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: {
            Authorization: `Bearer ${s.key}`,
            'X-DashScope-Async': 'enable',
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(body),
          },
        },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, half));
      setTimeout(() => req.end(body.slice(half)), 400);
    });
    await new Promise((r) => setTimeout(r, 100));
    const closed = s.close();
    const res = await response;
    await closed;
    // The request was accepted before the close began: it completes (created, or refused as the
    // server drains), never cut off mid-way.
    expect([200, 503]).toContain(res.status);
    expect(JSON.parse(res.body).request_id).toMatch(/^[0-9a-f-]{36}$/);
  });
});
