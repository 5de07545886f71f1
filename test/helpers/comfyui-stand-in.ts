/**
 * A stand-in for a ComfyUI server, because ComfyUI itself (Python, torch, a GPU) cannot run on
 * these machines. It is a real HTTP server implementing the endpoints the `comfyui` engine uses,
 * with the request and answer shapes of ComfyUI's server.py and execution.py (Comfy-Org/ComfyUI
 * server.py at commit 002c3fb9): POST /upload/image, POST /prompt (validation answers included),
 * GET /history/{id}, GET /queue, POST /queue {delete|clear}, POST /interrupt (targeted with
 * prompt_id, global without), GET /view, POST /history {delete|clear}.
 *
 * Prompts run one at a time, in queue order, like ComfyUI's single executor. "Running" a
 * workflow applies a deterministic sharp transform instead of a model: the first LoadImage's
 * image (by node id) is resized to cover the EmptySD3LatentImage/EmptyLatentImage size (when the
 * workflow has one) and negated, and saved by each SaveImage node. Directives in any string
 * input steer a run: `sleep=MS` (interruptible), `error=TEXT` (an execution_error).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

type Node = { class_type: string; inputs: Record<string, unknown> };
type Graph = Record<string, Node>;
interface Item {
  number: number;
  id: string;
  prompt: Graph;
  extra: Record<string, unknown>;
  outputs: string[];
  interrupt?: () => void;
}
export interface HistoryEntry {
  prompt: unknown[];
  outputs: Record<string, { images: { filename: string; subfolder: string; type: string }[] }>;
  status: { status_str: 'success' | 'error'; completed: boolean; messages: [string, Record<string, unknown>][] };
  meta: Record<string, unknown>;
}

export interface ComfyStandIn {
  readonly url: string;
  /** Every request, in arrival order ("POST /prompt", "GET /history/…"). */
  readonly calls: string[];
  /** Bodies of POST /interrupt, in order ({} for a global interrupt). */
  readonly interrupts: Record<string, unknown>[];
  /** POST /prompt bodies accepted, by prompt id. */
  readonly prompts: Map<string, { prompt: Graph; client_id?: string }>;
  /** For each accepted POST /prompt, how many prompts were queued or running just before it. */
  readonly depthAtSubmit: number[];
  readonly files: Map<string, Buffer>;
  readonly history: Map<string, HistoryEntry>;
  running(): string | undefined;
  pending(): string[];
  close(): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const OUTPUT_CLASSES = new Set(['SaveImage', 'PreviewImage']);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const key = (type: string, subfolder: string, name: string) => [type, subfolder, name].filter(Boolean).join('/');

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startComfyStandIn(): Promise<ComfyStandIn> {
  const calls: string[] = [];
  const interrupts: Record<string, unknown>[] = [];
  const prompts = new Map<string, { prompt: Graph; client_id?: string }>();
  const depthAtSubmit: number[] = [];
  const files = new Map<string, Buffer>();
  const history = new Map<string, HistoryEntry>();
  const queue: Item[] = [];
  let running: Item | undefined;
  let number = 0;
  let saved = 0;

  /** ComfyUI's validate_prompt, the parts a workflow of ours can trip. */
  function validate(graph: unknown): { error?: Record<string, unknown>; nodeErrors: Record<string, unknown>; outputs: string[] } {
    if (!isObject(graph))
      return {
        error: { type: 'invalid_prompt', message: 'Cannot execute because the prompt is not an object.', details: '', extra_info: {} },
        nodeErrors: {},
        outputs: [],
      };
    const nodeErrors: Record<string, unknown> = {};
    const outputs: string[] = [];
    for (const [id, node] of Object.entries(graph)) {
      if (!isObject(node) || typeof node.class_type !== 'string' || !isObject(node.inputs)) {
        return {
          error: { type: 'invalid_prompt', message: `Cannot execute because node ${id} has no class_type.`, details: '', extra_info: {} },
          nodeErrors: {},
          outputs: [],
        };
      }
      if (OUTPUT_CLASSES.has(node.class_type)) outputs.push(id);
      const errors: Record<string, unknown>[] = [];
      for (const [input, value] of Object.entries(node.inputs)) {
        if (Array.isArray(value) && typeof value[0] === 'string' && !(value[0] in graph)) {
          errors.push({ type: 'required_input_missing', message: 'Required input is missing', details: `${input} links to missing node ${value[0]}` });
        }
      }
      if (node.class_type === 'LoadImage' && !files.has(key('input', '', String(node.inputs.image)))) {
        errors.push({ type: 'value_not_in_list', message: 'Value not in list', details: `image: '${String(node.inputs.image)}' not in list` });
      }
      if (errors.length) nodeErrors[id] = { errors, dependent_outputs: [], class_type: node.class_type };
    }
    if (outputs.length === 0)
      return { error: { type: 'prompt_no_outputs', message: 'Prompt has no outputs', details: '', extra_info: {} }, nodeErrors: {}, outputs };
    if (Object.keys(nodeErrors).length)
      return {
        error: { type: 'prompt_outputs_failed_validation', message: 'Prompt outputs failed validation', details: '', extra_info: {} },
        nodeErrors,
        outputs,
      };
    return { nodeErrors, outputs };
  }

  function directive(graph: Graph, name: string): string | undefined {
    for (const node of Object.values(graph)) {
      for (const value of Object.values(node.inputs)) {
        const m = typeof value === 'string' ? new RegExp(`(?:^|\\s)${name}=(\\S+)`).exec(value) : null;
        if (m) return m[1];
      }
    }
    return undefined;
  }

  async function execute(item: Item): Promise<HistoryEntry['outputs']> {
    const ms = Number(directive(item.prompt, 'sleep') ?? 0);
    if (ms > 0) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, ms);
        item.interrupt = () => {
          clearTimeout(timer);
          reject(Object.assign(new Error('interrupted'), { interrupted: true }));
        };
      });
    }
    const failure = directive(item.prompt, 'error');
    if (failure) throw Object.assign(new Error(failure), { nodeId: '32', nodeType: 'KSampler' });
    const nodes = Object.entries(item.prompt).sort(([a], [b]) => Number(a) - Number(b));
    const load = nodes.find(([, n]) => n.class_type === 'LoadImage')!;
    const latent = nodes.find(([, n]) => n.class_type === 'EmptySD3LatentImage' || n.class_type === 'EmptyLatentImage')?.[1];
    let pipeline = sharp(files.get(key('input', '', String(load[1].inputs.image)))!).removeAlpha();
    if (latent) pipeline = pipeline.resize(Number(latent.inputs.width), Number(latent.inputs.height), { fit: 'cover' });
    const png = await pipeline.negate().png().toBuffer();
    const outputs: HistoryEntry['outputs'] = {};
    for (const id of item.outputs) {
      const node = item.prompt[id]!;
      const prefix = String(node.inputs.filename_prefix ?? 'ComfyUI');
      const slash = prefix.lastIndexOf('/');
      const subfolder = slash >= 0 ? prefix.slice(0, slash) : '';
      const type = node.class_type === 'SaveImage' ? 'output' : 'temp';
      const filename = `${prefix.slice(slash + 1)}_${String(++saved).padStart(5, '0')}_.png`;
      files.set(key(type, subfolder, filename), png);
      outputs[id] = { images: [{ filename, subfolder, type }] };
    }
    return outputs;
  }

  async function drain(): Promise<void> {
    while (!running && queue.length > 0) {
      const item = queue.shift()!;
      running = item;
      const messages: HistoryEntry['status']['messages'] = [['execution_start', { prompt_id: item.id, timestamp: Date.now() }]];
      let entry: HistoryEntry;
      const prompt = [item.number, item.id, item.prompt, item.extra, item.outputs];
      try {
        const outputs = await execute(item);
        messages.push(['execution_success', { prompt_id: item.id, timestamp: Date.now() }]);
        entry = { prompt, outputs, status: { status_str: 'success', completed: true, messages }, meta: {} };
      } catch (err) {
        const e = err as Error & { interrupted?: boolean; nodeId?: string; nodeType?: string };
        messages.push(
          e.interrupted
            ? ['execution_interrupted', { prompt_id: item.id, node_id: '32', node_type: 'KSampler', executed: [] }]
            : [
                'execution_error',
                { prompt_id: item.id, node_id: e.nodeId, node_type: e.nodeType, exception_message: e.message, exception_type: 'RuntimeError', traceback: [] },
              ],
        );
        entry = { prompt, outputs: {}, status: { status_str: 'error', completed: false, messages }, meta: {} };
      }
      history.set(item.id, entry);
      running = undefined;
    }
  }

  const queueRow = (i: Item) => [i.number, i.id, i.prompt, i.extra, i.outputs];

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    calls.push(`${req.method} ${url.pathname}`);
    const raw = await body(req);
    const parsed = (): Record<string, unknown> => {
      try {
        const v = JSON.parse(raw.toString('utf8')) as unknown;
        return isObject(v) ? v : {};
      } catch {
        return {};
      }
    };
    const route = `${req.method} ${url.pathname}`;
    if (route === 'POST /upload/image') {
      const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': req.headers['content-type'] ?? '' } })
        .formData()
        .catch(() => undefined);
      const image = form?.get('image');
      if (!form || !image || typeof image === 'string' || !image.name) return json(res, 400, {});
      const type = String(form.get('type') ?? 'input') || 'input';
      const subfolder = String(form.get('subfolder') ?? '');
      if (image.name.startsWith('/') || image.name.includes('..') || subfolder.includes('..')) return json(res, 400, {});
      const bytes = Buffer.from(await image.arrayBuffer());
      let name = image.name;
      const overwrite = ['true', '1'].includes(String(form.get('overwrite') ?? ''));
      for (let i = 1; !overwrite && files.has(key(type, subfolder, name)) && !files.get(key(type, subfolder, name))!.equals(bytes); i++) {
        name = image.name.replace(/(\.[^.]*)?$/, (ext) => ` (${i})${ext}`);
      }
      files.set(key(type, subfolder, name), bytes);
      return json(res, 200, { name, subfolder, type });
    }
    if (route === 'POST /prompt') {
      const data = parsed();
      if (!('prompt' in data))
        return json(res, 400, { error: { type: 'no_prompt', message: 'No prompt provided', details: 'No prompt provided', extra_info: {} }, node_errors: {} });
      const id = data.prompt_id === undefined || data.prompt_id === null ? randomUUID() : String(data.prompt_id);
      if (!UUID.test(id))
        return json(res, 400, {
          error: { type: 'invalid_prompt_id', message: 'prompt_id must be a valid UUID', details: '', extra_info: {} },
          node_errors: {},
        });
      const check = validate(data.prompt);
      if (check.error) return json(res, 400, { error: check.error, node_errors: check.nodeErrors });
      const extra = { ...(isObject(data.extra_data) ? data.extra_data : {}), ...(typeof data.client_id === 'string' ? { client_id: data.client_id } : {}) };
      const item: Item = { number: number++, id, prompt: data.prompt as Graph, extra, outputs: check.outputs };
      prompts.set(id, { prompt: item.prompt, client_id: extra.client_id as string | undefined });
      depthAtSubmit.push(queue.length + (running ? 1 : 0));
      queue.push(item);
      void drain();
      return json(res, 200, { prompt_id: id, number: item.number, node_errors: {} });
    }
    if (route === 'GET /queue') return json(res, 200, { queue_running: running ? [queueRow(running)] : [], queue_pending: queue.map(queueRow) });
    if (route === 'POST /queue') {
      const data = parsed();
      if (data.clear === true) queue.length = 0;
      for (const id of Array.isArray(data.delete) ? data.delete : []) {
        const i = queue.findIndex((item) => item.id === id);
        if (i >= 0) queue.splice(i, 1);
      }
      return json(res, 200, {});
    }
    if (route === 'POST /interrupt') {
      const data = parsed();
      interrupts.push(data);
      // Targeted when prompt_id is given (only if it is the running one), global otherwise.
      if (running && (data.prompt_id === undefined || data.prompt_id === running.id)) running.interrupt?.();
      return json(res, 200, {});
    }
    if (req.method === 'GET' && url.pathname.startsWith('/history/')) {
      const id = decodeURIComponent(url.pathname.slice('/history/'.length));
      const entry = history.get(id);
      return json(res, 200, entry ? { [id]: entry } : {});
    }
    if (route === 'POST /history') {
      const data = parsed();
      if (data.clear === true) history.clear();
      for (const id of Array.isArray(data.delete) ? data.delete : []) history.delete(String(id));
      return json(res, 200, {});
    }
    if (route === 'GET /view') {
      const filename = url.searchParams.get('filename');
      if (!filename) return json(res, 404, {});
      const subfolder = url.searchParams.get('subfolder') ?? '';
      if (filename.startsWith('/') || filename.includes('..') || subfolder.includes('..')) return json(res, 400, {});
      const bytes = files.get(key(url.searchParams.get('type') ?? 'output', subfolder, filename));
      if (!bytes) return json(res, 404, {});
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': bytes.length });
      return res.end(bytes);
    }
    return json(res, 404, {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    interrupts,
    prompts,
    depthAtSubmit,
    files,
    history,
    running: () => running?.id,
    pending: () => queue.map((i) => i.id),
    close: () =>
      new Promise<void>((resolve) => {
        running?.interrupt?.();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
