import { test, expect, vi } from 'vitest';
vi.mock('../../src/engines/local/local-engine.js', async (importOriginal) => {
  try { return await importOriginal(); } catch (e) { console.log('stub local', String(e).slice(0,80)); return { createLocalEngine: () => ({ name: 'local-stub', edit: async () => { throw new Error('x'); } }) }; }
});
import { startTestServer } from '../helpers/server.js';
import { createTask, createBody, imageDataUri, waitForStatus } from '../helpers/http.js';
test('smoke', async () => {
  const t0 = Date.now();
  const s = await startTestServer({RETOUCH_LOG_LEVEL:'warn'});
  console.log('start ms', Date.now() - t0);
  const img = await imageDataUri(400, 400);
  const r = await createTask(s.url, s.key, createBody([img], 'hello', { n: 2 }));
  console.log(JSON.stringify(r.body));
  const done = await waitForStatus(s.url, s.key, r.body.output.task_id, undefined, 5000);
  console.log(JSON.stringify(done.body), Date.now() - t0);
  await s.close();
  expect(1).toBe(1);
});
