/**
 * The ComfyUI HTTP endpoints the engine uses, with the request and answer shapes of ComfyUI's
 * server.py (read: Comfy-Org/ComfyUI server.py at commit 002c3fb9, the 0.3x/0.4x line that has
 * a client-chosen `prompt_id` in POST /prompt and a targeted `POST /interrupt {prompt_id}`):
 *
 * - POST /upload/image   multipart image, type, subfolder, overwrite → {name, subfolder, type}
 * - POST /prompt         {prompt, client_id, prompt_id?} → {prompt_id, number, node_errors};
 *                        400 {error: {type, message, details}, node_errors} (older: error a string)
 * - GET  /history/{id}   {} until done; then {id: {prompt, outputs: {node: {images: [{filename,
 *                        subfolder, type}]}}, status: {status_str, completed, messages}}}
 * - GET  /queue          {queue_running: [[number, prompt_id, …]], queue_pending: [...]}
 * - POST /queue          {delete: [prompt_id]} removes a pending prompt
 * - POST /interrupt      {prompt_id} interrupts that prompt only if it is the one running
 *                        (servers before the targeted form interrupt whatever runs: the engine
 *                        checks /queue first, see comfyui-engine.ts)
 * - GET  /view           ?filename&subfolder&type → the image bytes
 * - POST /history        {delete: [prompt_id]}
 */
import { clip, upstreamError, UpstreamCodes } from '../upstream-kit/errors.js';
import { jsonOf, upstreamFetch, type CallLimits, type UpstreamReply } from '../upstream-kit/http.js';

export interface ImageRef {
  readonly filename: string;
  readonly subfolder: string;
  readonly type: string;
}

export interface HistoryEntry {
  readonly outputs?: Record<string, { images?: ImageRef[] }>;
  readonly status?: { status_str?: string; completed?: boolean; messages?: [string, Record<string, unknown>][] };
}

export interface QueueState {
  readonly running: string[];
  readonly pending: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const JSON_SMALL = 8 * 1024 * 1024;

export function createComfyClient(base: string, headers: Record<string, string>, who: string) {
  const call = async (
    path: string,
    init: RequestInit,
    limits: Omit<CallLimits, 'what' | 'maxBytes'> & { maxBytes?: number },
    what: string,
  ): Promise<UpstreamReply> =>
    upstreamFetch(
      base + path,
      { ...init, headers: { ...headers, ...(init.headers as Record<string, string> | undefined) } },
      { maxBytes: JSON_SMALL, ...limits, what: `${who} ${what}` },
    );

  const postJson = (path: string, body: unknown, limits: Omit<CallLimits, 'what' | 'maxBytes'>, what: string) =>
    call(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, limits, what);

  const failed = (reply: UpstreamReply, what: string) => {
    const code =
      reply.status === 401 || reply.status === 403 ? UpstreamCodes.authFailed : reply.status >= 500 ? UpstreamCodes.unavailable : UpstreamCodes.invalidRequest;
    return upstreamError(code, `${who} ${what} answered ${reply.status}${reply.body.length ? `: ${clip(reply.body.toString('utf8'), 200)}` : ''}.`);
  };

  return {
    async upload(bytes: Buffer, name: string, mime: string, subfolder: string, limits: Omit<CallLimits, 'what' | 'maxBytes'>): Promise<string> {
      const form = new FormData();
      form.append('image', new Blob([new Uint8Array(bytes)], { type: mime }), name);
      form.append('type', 'input');
      form.append('subfolder', subfolder);
      form.append('overwrite', 'true');
      const reply = await call('/upload/image', { method: 'POST', body: form }, limits, 'upload');
      const body = jsonOf(reply);
      if (reply.status !== 200 || !isObject(body) || typeof body.name !== 'string') throw failed(reply, 'upload');
      const folder = typeof body.subfolder === 'string' ? body.subfolder : '';
      return folder ? `${folder}/${body.name}` : body.name;
    },

    async queuePrompt(prompt: unknown, clientId: string, promptId: string, limits: Omit<CallLimits, 'what' | 'maxBytes'>): Promise<string> {
      const reply = await postJson('/prompt', { prompt, client_id: clientId, prompt_id: promptId }, limits, 'POST /prompt');
      const body = jsonOf(reply);
      if (reply.status === 200 && isObject(body) && typeof body.prompt_id === 'string') return body.prompt_id;
      if (reply.status === 400 && isObject(body)) throw upstreamError(UpstreamCodes.invalidRequest, `${who} refused the workflow: ${describeRefusal(body)}`);
      throw failed(reply, 'POST /prompt');
    },

    async history(id: string, limits: Omit<CallLimits, 'what' | 'maxBytes'>): Promise<HistoryEntry | undefined> {
      const reply = await call(`/history/${encodeURIComponent(id)}`, {}, limits, 'history');
      const body = jsonOf(reply);
      if (reply.status !== 200 || !isObject(body)) throw failed(reply, 'history');
      const entry = body[id];
      return isObject(entry) ? (entry as HistoryEntry) : undefined;
    },

    async queue(limits: Omit<CallLimits, 'what' | 'maxBytes'>): Promise<QueueState> {
      const reply = await call('/queue', {}, limits, 'queue');
      const body = jsonOf(reply);
      if (reply.status !== 200 || !isObject(body)) throw failed(reply, 'queue');
      const ids = (items: unknown) => (Array.isArray(items) ? items.map((item) => (Array.isArray(item) ? String(item[1]) : '')) : []);
      return { running: ids(body.queue_running), pending: ids(body.queue_pending) };
    },

    deletePending: (id: string, limits: Omit<CallLimits, 'what' | 'maxBytes'>) => postJson('/queue', { delete: [id] }, limits, 'queue delete'),
    interrupt: (id: string, limits: Omit<CallLimits, 'what' | 'maxBytes'>) => postJson('/interrupt', { prompt_id: id }, limits, 'interrupt'),
    deleteHistory: (id: string, limits: Omit<CallLimits, 'what' | 'maxBytes'>) => postJson('/history', { delete: [id] }, limits, 'history delete'),

    async view(ref: ImageRef, limits: Omit<CallLimits, 'what'>): Promise<Buffer> {
      const query = new URLSearchParams({ filename: ref.filename, subfolder: ref.subfolder, type: ref.type });
      const reply = await call(`/view?${query}`, {}, limits, 'view');
      if (reply.status !== 200) throw failed(reply, `view of ${ref.filename}`);
      return reply.body;
    },
  };
}

export type ComfyClient = ReturnType<typeof createComfyClient>;

/** ComfyUI's validation answer in one line: the error and the first node errors. */
function describeRefusal(body: Record<string, unknown>): string {
  const error = body.error;
  const head = isObject(error)
    ? [error.message, error.details].filter((s) => typeof s === 'string' && s !== '').join(': ')
    : typeof error === 'string'
      ? error
      : 'invalid prompt';
  const nodes = isObject(body.node_errors) ? Object.entries(body.node_errors) : [];
  const parts = nodes.slice(0, 3).map(([id, e]) => {
    const errs = isObject(e) && Array.isArray(e.errors) ? e.errors.filter(isObject) : [];
    const cls = isObject(e) && typeof e.class_type === 'string' ? ` (${e.class_type})` : '';
    return `node ${id}${cls}: ${errs.map((x) => [x.message, x.details].filter(Boolean).join(' ')).join('; ')}`;
  });
  return clip([head, ...parts].join('; '), 400);
}

/** Why a finished prompt failed, from its status messages. */
export function describeFailure(entry: HistoryEntry): { interrupted: boolean; message: string } {
  const messages = entry.status?.messages ?? [];
  const error = messages.find(([event]) => event === 'execution_error')?.[1];
  if (error) {
    const node = [error.node_id, error.node_type].filter(Boolean).join(' ');
    return {
      interrupted: false,
      message: clip(
        `${node ? `node ${node}: ` : ''}${String(error.exception_type ?? '')}${error.exception_type ? ': ' : ''}${String(error.exception_message ?? 'execution error')}`,
      ),
    };
  }
  if (messages.some(([event]) => event === 'execution_interrupted')) return { interrupted: true, message: 'the prompt was interrupted' };
  return { interrupted: false, message: `status ${entry.status?.status_str ?? 'unknown'}` };
}
