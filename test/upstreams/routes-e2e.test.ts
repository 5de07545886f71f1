/**
 * End to end through the routing table: a front retouch whose config file routes models to the
 * `openai` engine (a second, real retouch process as the upstream, behind a counting proxy) and
 * to the `comfyui` engine (the ComfyUI stand-in), reached through the DashScope API and through
 * the OpenAI-compatible endpoint; and an `auto` route sending what the built-in engine does not
 * understand to the openai route.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startComfyStandIn, type ComfyStandIn } from '../helpers/comfyui-stand-in.js';
import { call, createBody, createTask, download, imageDataUri, testImage, waitForStatus } from '../helpers/http.js';
import { REPO_ROOT, spawnServer, startTestServer, tempDataDir, TEST_KEY, type ChildServer, type TestServer } from '../helpers/server.js';
import { startCountingProxy, type CountingProxy } from './counting-proxy.js';

let upstreamDir: string;
let configDir: string;
let upstream: ChildServer;
let proxy: CountingProxy;
let comfy: ComfyStandIn;
let front: TestServer;
let image: string;

beforeAll(async () => {
  upstreamDir = tempDataDir();
  upstream = await spawnServer(upstreamDir, { RETOUCH_RATE_LIMIT_SUBMIT: '0', RETOUCH_WORKER_CONCURRENCY: '4' });
  proxy = await startCountingProxy(upstream.url);
  comfy = await startComfyStandIn();
  configDir = mkdtempSync(join(tmpdir(), 'retouch-routes-'));
  const config = join(configDir, 'retouch.yaml');
  // A workflow path relative to the routing table file is taken from that file's folder.
  copyFileSync(join(REPO_ROOT, 'docs/comfyui/qwen-image-edit-2511.json'), join(configDir, 'qwen.json'));
  writeFileSync(
    config,
    [
      'models:',
      '  qwen-edit:',
      '    engine: openai',
      '    concurrency: 2',
      '    timeout: 60s',
      '    options:',
      `      base_url: ${proxy.url}`,
      '      model: retouch-test',
      '      api_key_env: UPSTREAM_RETOUCH_KEY',
      '  qwen-comfy:',
      '    engine: comfyui',
      '    options:',
      `      base_url: ${comfy.url}`,
      '      workflow: qwen.json',
      '      poll_min_ms: 20',
      '  hybrid:',
      '    engine: auto',
      '    fallback: qwen-edit',
      '',
    ].join('\n'),
  );
  front = await startTestServer({ RETOUCH_CONFIG: config, UPSTREAM_RETOUCH_KEY: TEST_KEY, RETOUCH_RATE_LIMIT_SUBMIT: '0' });
  image = await imageDataUri(512, 384);
});

afterAll(async () => {
  await front?.close();
  await comfy?.close();
  await proxy?.close();
  upstream?.child.kill('SIGKILL');
  await upstream?.exited;
  rmSync(upstreamDir, { recursive: true, force: true });
  rmSync(configDir, { recursive: true, force: true });
});

const colourOf = (seed: number) => {
  const step = seed % 16;
  return [step * 16, 255 - step * 16, (step * 97) % 256];
};
const pixel = async (png: Buffer) => [...(await sharp(png).removeAlpha().raw().toBuffer()).subarray(0, 3)];

describe('routes to upstream engines', () => {
  it('lists the upstream routes with their engines', async () => {
    const res = await call(`${front.url}/api/v1/models`, { key: front.key });
    const engines = Object.fromEntries((res.body.data as { id: string; engine: string }[]).map((m) => [m.id, m.engine]));
    expect(engines).toMatchObject({ 'qwen-edit': 'openai', 'qwen-comfy': 'comfyui', hybrid: 'auto' });
  });

  it('a DashScope task on an openai route: n=2 as two upstream requests, re-hosted results', async () => {
    proxy.reset();
    const res = await createTask(front.url, front.key, createBody([image], 'paint it', { n: 2, seed: 40, size: '1024*1024' }, 'qwen-edit'));
    const done = await waitForStatus(front.url, front.key, res.body.output.task_id);
    expect(done.body.output.task_status).toBe('SUCCEEDED');
    expect(done.body.retouch).toEqual({ route: 'qwen-edit', engine: 'openai' });
    expect(proxy.seen.map((r) => [r.fields.n, r.fields.seed, r.authorization])).toEqual([
      ['1', '40', `Bearer ${TEST_KEY}`],
      ['1', '41', `Bearer ${TEST_KEY}`],
    ]);
    const urls = (done.body.output.results as { url: string }[]).map((r) => r.url);
    expect(urls.every((u) => u.startsWith(front.url))).toBe(true);
    const files = await Promise.all(urls.map((u) => download(u)));
    expect(await Promise.all(files.map((f) => pixel(f.bytes)))).toEqual([colourOf(40), colourOf(41)]);
  });

  it('an OpenAI-compatible request on a comfyui route runs the workflow at the stand-in', async () => {
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(await testImage(512, 384))], { type: 'image/png' }), 'in.png');
    form.append('prompt', 'make the sky purple');
    form.append('model', 'qwen-comfy');
    form.append('size', '1024x768');
    form.append('response_format', 'b64_json');
    const res = await fetch(`${front.url}/v1/images/edits`, { method: 'POST', headers: { authorization: `Bearer ${front.key}` }, body: form });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { b64_json: string }[] };
    const meta = await sharp(Buffer.from(body.data[0]!.b64_json, 'base64')).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 1024, 768]);
    const sent = [...comfy.prompts.values()].at(-1)!;
    expect(sent.prompt['21']!.inputs.prompt).toBe('make the sky purple');
  });

  it('auto: a deterministic instruction runs locally, a generative one goes to the fallback upstream', async () => {
    proxy.reset();
    const local = await createTask(front.url, front.key, createBody([image], 'convert to grayscale', { n: 1 }, 'hybrid'));
    const generative = await createTask(
      front.url,
      front.key,
      createBody([image], 'Change the floral dress to a vintage lace dress', { n: 1, seed: 3 }, 'hybrid'),
    );
    const [a, b] = await Promise.all([
      waitForStatus(front.url, front.key, local.body.output.task_id),
      waitForStatus(front.url, front.key, generative.body.output.task_id),
    ]);
    expect([a.body.output.task_status, b.body.output.task_status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(a.body.retouch.engine).toBe('local');
    expect(b.body.retouch.engine).toBe('openai');
    expect(proxy.seen).toHaveLength(1);
  });
});
