/**
 * The `comfyui` engine over real HTTP against the ComfyUI stand-in (test/helpers/
 * comfyui-stand-in.ts: ComfyUI's endpoints as server.py has them, a sharp transform instead of
 * a model), with the shipped Qwen-Image-Edit-2511 workflow.
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createComfyUiEngine, loadWorkflow, parseWorkflow, WorkflowError, type ComfyUiOptionsInput } from '../../src/engines/comfyui/index.js';
import { EditError, type EditRequest, type Engine } from '../../src/engines/engine.js';
import { pollUntil, testImage } from '../helpers/http.js';
import { startComfyStandIn, type ComfyStandIn } from '../helpers/comfyui-stand-in.js';
import { REPO_ROOT } from '../helpers/server.js';

const WORKFLOW = join(REPO_ROOT, 'docs/comfyui/qwen-image-edit-2511.json');
const log = { warn: () => undefined };
let comfy: ComfyStandIn;
let input: Buffer;

beforeAll(async () => {
  input = await testImage(512, 384);
});
beforeEach(async () => {
  await comfy?.close();
  comfy = await startComfyStandIn();
});
afterAll(() => comfy?.close());

function engine(options: Partial<ComfyUiOptionsInput> = {}, limits: { concurrency?: number; timeoutMs?: number } = {}): Engine {
  return createComfyUiEngine(
    { base_url: comfy.url, workflow: WORKFLOW, poll_min_ms: 20, poll_max_ms: 100, ...options },
    { route: 'qwen-comfy', log, ...limits },
  );
}

const request = (extra: Partial<EditRequest> = {}): EditRequest => ({
  images: [input],
  prompt: 'make the sky purple',
  negativePrompt: 'blurry',
  index: 0,
  count: 1,
  seed: 1234,
  size: { width: 1024, height: 768 },
  promptExtend: false,
  watermark: false,
  signal: new AbortController().signal,
  ...extra,
});

const editError = async (p: Promise<unknown>): Promise<EditError> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EditError);
  return err as EditError;
};

/** Queues a prompt of someone else's (another ComfyUI user) straight at the stand-in. */
async function foreignPrompt(text: string): Promise<string> {
  const form = new FormData();
  form.append('image', new Blob([new Uint8Array(input)], { type: 'image/png' }), 'foreign.png');
  await fetch(`${comfy.url}/upload/image`, { method: 'POST', body: form });
  const graph = {
    '1': { class_type: 'LoadImage', inputs: { image: 'foreign.png' } },
    '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: `other ${text}` } },
  };
  const res = await fetch(`${comfy.url}/prompt`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: graph, client_id: 'someone-else' }),
  });
  return ((await res.json()) as { prompt_id: string }).prompt_id;
}

describe('workflow templates', () => {
  it('the shipped workflow loads; one image drops the image 2 and 3 loaders and their links', () => {
    const template = loadWorkflow(WORKFLOW, undefined);
    expect([template.outputNode, template.maxImages]).toEqual(['34', 3]);
    const graph = template.fill({ prompt: 'p "quoted"', negativePrompt: 'n', seed: 42, width: 1024, height: 768, images: ['retouch/a.png'] });
    expect(graph['12']).toBeUndefined();
    expect(graph['13']).toBeUndefined();
    expect(graph['11']!.inputs.image).toBe('retouch/a.png');
    expect(graph['21']!.inputs).toEqual({ clip: ['2', 0], vae: ['3', 0], prompt: 'p "quoted"', image1: ['11', 0] });
    expect(graph['22']!.inputs.prompt).toBe('n');
    expect(graph['31']!.inputs).toEqual({ width: 1024, height: 768, batch_size: 1 });
    expect(graph['32']!.inputs.seed).toBe(42);
    expect(graph['34']!.inputs.filename_prefix).toBe('retouch/qwen-edit-42');
  });

  it('refuses unknown placeholders, UI-format files, and an unclear output node', () => {
    const ok = {
      '1': { class_type: 'LoadImage', inputs: { image: '{{image1}}' } },
      '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: '{{prompt}}' } },
    };
    expect(() => parseWorkflow({ ...ok, '3': { class_type: 'X', inputs: { v: '{{steps}}' } } }, 'w.json')).toThrow(/unknown placeholder \{\{steps\}\}/);
    expect(() => parseWorkflow({ nodes: [], links: [] }, 'w.json')).toThrow(/UI-format/);
    expect(() => parseWorkflow({ ...ok, '3': { class_type: 'SaveImage', inputs: { images: ['1', 0] } } }, 'w.json')).toThrow(/found 2 SaveImage nodes/);
    expect(() => parseWorkflow({ '1': ok['1'] }, 'w.json')).toThrow(WorkflowError);
    expect(parseWorkflow({ ...ok, '3': { class_type: 'SaveImage', inputs: { images: ['1', 0] } } }, 'w.json', '3').outputNode).toBe('3');
  });
});

describe('running an edit', () => {
  it('uploads, queues the filled workflow, waits on history, downloads the output and cleans history', async () => {
    const out = await engine().edit(request());
    const meta = await sharp(out.png).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 1024, 768]);
    // The stand-in's transform: the input covering 1024×768, negated.
    const expected = await sharp(input).resize(1024, 768, { fit: 'cover' }).negate().raw().toBuffer();
    const got = await sharp(out.png).removeAlpha().raw().toBuffer();
    // Buffer.equals: a deep toEqual over 2.4 MB of pixels takes vitest half a minute.
    expect(got.length).toBe(expected.length);
    expect(got.equals(expected)).toBe(true);

    // Polls (history, and /queue every fourth empty poll) come between; their count depends on the machine's speed.
    expect(comfy.calls.filter((c) => !c.startsWith('GET /history') && c !== 'GET /queue')).toEqual([
      'POST /upload/image',
      'POST /prompt',
      'GET /view',
      'POST /history',
    ]);
    expect(comfy.calls.some((c) => c.startsWith('GET /history/'))).toBe(true);
    const [id, sent] = [...comfy.prompts][0]!;
    expect(sent.prompt['21']!.inputs.prompt).toBe('make the sky purple');
    expect(sent.prompt['22']!.inputs.prompt).toBe('blurry');
    expect(sent.prompt['32']!.inputs.seed).toBe(1234);
    expect(sent.prompt['31']!.inputs).toMatchObject({ width: 1024, height: 768 });
    expect(sent.client_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(comfy.history.has(id!)).toBe(false);
  });

  it('three inputs fill all three loaders; one engine keeps one client_id', async () => {
    const e = engine();
    await e.edit(request({ images: [input, await testImage(400, 400), await testImage(600, 400, 'jpeg')] }));
    await e.edit(request({ index: 1, seed: 1235 }));
    const sent = [...comfy.prompts.values()];
    const names = ['11', '12', '13'].map((id) => sent[0]!.prompt[id]!.inputs.image as string);
    expect(names.map((n) => n.split('/')[0])).toEqual(['retouch', 'retouch', 'retouch']);
    expect(names[2]).toMatch(/^retouch\/[0-9a-f]{32}\.jpg$/);
    // The second edit re-used the first image's file: one file per distinct input.
    expect(sent[1]!.prompt['11']!.inputs.image).toBe(names[0]);
    expect([...comfy.files.keys()].filter((k) => k.startsWith('input/retouch/'))).toHaveLength(3);
    expect(names.every((n) => comfy.files.has(`input/${n}`))).toBe(true);
    expect(sent[1]!.prompt['12']).toBeUndefined();
    expect(sent[0]!.client_id).toBe(sent[1]!.client_id);
  });

  it('without a size asks for the default size of the input aspect', async () => {
    const out = await engine().edit(request({ size: undefined }));
    const meta = await sharp(out.png).metadata();
    expect([meta.width, meta.height]).toEqual([1472, 1104]);
  });

  it('a failing node is Upstream.Failed with ComfyUI’s exception message', async () => {
    const err = await editError(engine().edit(request({ prompt: 'error=CUDA_out_of_memory' })));
    expect(err.code).toBe('Upstream.Failed');
    expect(err.message).toMatch(/node 32 KSampler: RuntimeError: CUDA_out_of_memory/);
  });

  it('a workflow ComfyUI refuses is Upstream.InvalidRequest naming the node', async () => {
    const bad = parseWorkflow(
      {
        '1': { class_type: 'LoadImage', inputs: { image: '{{image1}}' } },
        '2': { class_type: 'SaveImage', inputs: { images: ['9', 0], filename_prefix: '{{prompt}}' } },
      },
      'bad.json',
    );
    const e = createComfyUiEngine({ base_url: comfy.url, workflow: 'unused', poll_min_ms: 20 }, { log }, bad);
    const err = await editError(e.edit(request()));
    expect(err.code).toBe('Upstream.InvalidRequest');
    expect(err.message).toMatch(/Prompt outputs failed validation.*node 2 \(SaveImage\): Required input is missing/);
  });

  it('more inputs than the workflow takes is InvalidParameter', async () => {
    const one = parseWorkflow(
      {
        '1': { class_type: 'LoadImage', inputs: { image: '{{image1}}' } },
        '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: '{{prompt}}' } },
      },
      'one.json',
    );
    const e = createComfyUiEngine({ base_url: comfy.url, workflow: 'unused' }, { log }, one);
    expect((await editError(e.edit(request({ images: [input, input] })))).code).toBe('InvalidParameter');
  });

  it('with concurrency 1 it never queues a second prompt of its own', async () => {
    const e = engine({}, { concurrency: 1 });
    await Promise.all([0, 1, 2].map((i) => e.edit(request({ index: i, seed: i, prompt: 'sleep=100' }))));
    expect(comfy.depthAtSubmit).toEqual([0, 0, 0]);
  });
});

describe('cancel touches only its own prompt', () => {
  it('pending behind someone else’s prompt: deleted from the queue, nothing interrupted', async () => {
    const other = await foreignPrompt('sleep=3000');
    const abort = new AbortController();
    const reason = new Error('task canceled');
    const edit = engine().edit(request({ signal: abort.signal }));
    await pollUntil(
      async () => comfy.pending().length,
      (n) => n === 1,
      10_000,
      'our prompt to queue',
    );
    const ours = comfy.pending()[0]!;
    abort.abort(reason);
    await expect(edit).rejects.toBe(reason);
    expect(comfy.pending()).toEqual([]);
    expect(comfy.running()).toBe(other);
    expect(comfy.interrupts).toEqual([]);
    expect(comfy.history.has(ours)).toBe(false);
  });

  it('running: interrupted by prompt_id; someone else’s queued prompt stays and then runs', async () => {
    const abort = new AbortController();
    const edit = engine().edit(request({ prompt: 'sleep=5000', signal: abort.signal }));
    await pollUntil(
      async () => comfy.running(),
      (id) => id !== undefined,
      10_000,
      'our prompt to run',
    );
    const ours = comfy.running()!;
    const other = await foreignPrompt('quick');
    abort.abort(new Error('shutdown'));
    await expect(edit).rejects.toThrow('shutdown');
    expect(comfy.interrupts).toEqual([{ prompt_id: ours }]);
    const done = await pollUntil(
      async () => comfy.history.get(other),
      (h) => h !== undefined,
      10_000,
      'the other prompt to run',
    );
    expect(done!.status.status_str).toBe('success');
    expect(comfy.history.get(ours)!.status.messages.map(([event]) => event)).toContain('execution_interrupted');
  });

  it('past the route timeout: Upstream.Timeout, and its own prompt is interrupted', async () => {
    const err = await editError(engine({}, { timeoutMs: 1000 }).edit(request({ prompt: 'sleep=5000' })));
    expect(err.code).toBe('Upstream.Timeout');
    expect(comfy.interrupts).toHaveLength(1);
    expect(comfy.interrupts[0]!.prompt_id).toBe([...comfy.prompts.keys()][0]);
  });

  it('a prompt ComfyUI forgets (queue cleared) or someone interrupts is Upstream.Lost', async () => {
    await foreignPrompt('sleep=2000');
    const lost = engine().edit(request());
    await pollUntil(
      async () => comfy.pending().length,
      (n) => n === 1,
      10_000,
      'our prompt to queue',
    );
    await fetch(`${comfy.url}/queue`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ clear: true }) });
    const err = await editError(lost);
    expect(err.code).toBe('Upstream.Lost');
    expect(err.message).toMatch(/no longer knows prompt/);

    const interrupted = engine().edit(request({ prompt: 'sleep=5000' }));
    await pollUntil(
      async () => comfy.running(),
      (id) => id !== undefined && comfy.prompts.get(id)?.client_id !== 'someone-else',
      10_000,
      'our prompt to run',
    );
    await fetch(`${comfy.url}/interrupt`, { method: 'POST' });
    expect((await editError(interrupted)).message).toMatch(/interrupted prompt/);
  });
});
