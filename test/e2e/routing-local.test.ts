/** Without a routing table: today's behaviour, plus which engine ran and how to route generative edits. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTask, imageDataUri, waitForStatus } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let image: string;
beforeAll(async () => {
  server = await startTestServer();
  image = await imageDataUri(400, 400);
});
afterAll(() => server.close());

const submit = async (prompt: string) => {
  const res = await createTask(server.url, server.key, { model: 'wan2.5-i2i-preview', input: { prompt, images: [image] }, parameters: { n: 1 } });
  expect(res.status).toBe(200);
  return waitForStatus(server.url, server.key, res.body.output.task_id, undefined, 60_000);
};

describe('default routing (no --config)', () => {
  it('lists the built-in model (and the test engine when enabled)', async () => {
    const res = await call(`${server.url}/api/v1/models`, { key: server.key });
    expect(res.body.data).toEqual([
      { id: 'wan2.5-i2i-preview', object: 'model', engine: 'local', owned_by: 'retouch' },
      { id: 'retouch-test', object: 'model', engine: 'test', owned_by: 'retouch' },
    ]);
    expect((await call(`${server.url}/api/v1/models`)).status).toBe(401);
  });

  it('a deterministic edit runs locally and says so', async () => {
    const done = await submit('convert to grayscale');
    expect(done.body.output.task_status).toBe('SUCCEEDED');
    expect(done.body.retouch).toEqual({ route: 'wan2.5-i2i-preview', engine: 'local' });
  });

  it('a generative instruction fails saying what the built-in engine could not do and how to add an upstream route', async () => {
    const done = await submit('Change the floral dress to a vintage-style lace long dress with exquisite embroidery details on the collar and cuffs.');
    expect(done.body.output.task_status).toBe('FAILED');
    expect(done.body.output.code).toBe('InvalidParameter');
    const message = done.body.output.message as string;
    expect(message).toMatch(/floral dress/i);
    expect(message).toContain('"auto"');
    expect(message).toContain('"fallback"');
    expect(message).toContain('docs/upstreams.md');
    expect(done.body.retouch).toEqual({ route: 'wan2.5-i2i-preview', engine: 'local' });
  });

  it('unknown models still get the DashScope error', async () => {
    const res = await createTask(server.url, server.key, { model: 'no-such-model', input: { prompt: 'x', images: [image] } });
    expect(res.body).toMatchObject({ code: 'InvalidParameter', message: 'Model not exist.' });
  });
});
