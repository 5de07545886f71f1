/**
 * `POST /v1/images/edits` on an API-only node while a separate worker node runs the task
 * (PostgreSQL + S3, both as child processes): the waiting request hears that its task settled
 * on another node and answers with the results from the shared bucket.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testImage } from '../helpers/http.js';
import type { Node } from '../helpers/nodes.js';
import { openCluster, type Cluster } from '../helpers/pg-cluster.js';

const KEY = 'sk-retouch-openai-nodes-0001';
let cluster: Cluster;
let api: Node;
let worker: Node;

beforeAll(async () => {
  cluster = await openCluster({
    apiKey: KEY,
    s3: true,
    settings: {
      RETOUCH_ENABLE_TEST_ENGINE: 'true',
      RETOUCH_WORKER_CONCURRENCY: '2',
      RETOUCH_RATE_LIMIT_SUBMIT: '0',
      RETOUCH_SHUTDOWN_GRACE: '1s',
    },
  });
  api = await cluster.start('api', cluster.env('api'));
  worker = await cluster.start('worker', cluster.env('worker'));
}, 60_000);

afterAll(() => cluster?.close());

async function edit(fields: Record<string, string>) {
  const form = new FormData();
  form.append('image[]', new Blob([new Uint8Array(await testImage(512, 384))], { type: 'image/png' }), 'in.png');
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  const res = await fetch(`${api.url}/v1/images/edits`, { method: 'POST', headers: { authorization: `Bearer ${KEY}` }, body: form });
  return { status: res.status, body: (await res.json()) as { data: { b64_json?: string; url?: string }[] } };
}

describe('OpenAI-compatible edits across nodes', () => {
  it('answers b64_json and url results made by the worker node', async () => {
    const b64 = await edit({ model: 'retouch-test', prompt: 'sleep=200', n: '2', size: '1024x1024', response_format: 'b64_json' });
    expect(b64.status).toBe(200);
    expect(b64.body.data).toHaveLength(2);
    for (const item of b64.body.data) {
      const meta = await sharp(Buffer.from(item.b64_json!, 'base64')).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['png', 1024, 1024]);
    }
    const url = await edit({ model: 'retouch-test', prompt: 'x', size: '1280x720' });
    expect(url.status).toBe(200);
    const dl = await fetch(url.body.data[0]!.url!);
    expect(dl.status).toBe(200);
    const meta = await sharp(Buffer.from(await dl.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([1280, 720]);
  });
});
