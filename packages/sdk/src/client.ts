/**
 * The client: task calls over fetch, waiting, one-call edits, downloads and uploads.
 * See docs/sdk.md for the reference and packages/sdk/src/index.ts for the public surface.
 */
import { randomUUID } from 'node:crypto';
import {
  MODEL_WAN25_I2I,
  type CancelTaskResponse,
  type CreateTaskParameters,
  type CreateTaskRequest,
  type CreateTaskResponse,
  type GetTaskResponse,
  type ListTasksResponse,
  type TaskStatus,
} from './protocol/index.js';
import { downloadTaskResults, type DownloadOptions, type DownloadReport } from './download.js';
import { DashScopeError, SdkErrorCodes } from './errors.js';
import { createServerCapabilities } from './capabilities.js';
import { DEFAULT_RETRY, send, sleep, type FetchLike, type RetryPolicy } from './http.js';
import { DEFAULT_INLINE_MAX_BYTES, loadInput, toDataUri, type ImageInput, type LocalFilesMode } from './inputs.js';
import { parsePolicy, postUpload, type UploadPolicy } from './upload.js';
import { waitLoop, type WaitOptions } from './wait.js';
import { createWebhookMethods } from './webhooks.js';

export const DEFAULT_BASE_URL = 'https://dashscope.aliyuncs.com/api/v1';
export const SDK_VERSION = '0.1.0';

export interface ClientOptions {
  /** API base, e.g. `http://127.0.0.1:8080/api/v1` (a bare origin gets `/api/v1` appended). Default: env `DASHSCOPE_HTTP_BASE_URL`, else DashScope Beijing. */
  readonly baseUrl?: string;
  /** Default: env `DASHSCOPE_API_KEY`. */
  readonly apiKey?: string;
  /** Sent as `X-DashScope-WorkSpace`. */
  readonly workspace?: string;
  /** A fetch implementation (default: the global one). */
  readonly fetch?: FetchLike;
  /** Retries of throttled (429) and failed (5xx, network) calls. */
  readonly retry?: Partial<RetryPolicy>;
  /** How local files and bytes are sent (see `ImageInput`); default `'auto'`. */
  readonly localFiles?: LocalFilesMode;
  /** In `'auto'` mode, files up to this size are inlined as data URIs (default 4 MiB). */
  readonly inlineMaxBytes?: number;
  /**
   * The server's completion signal, if it has one: resolves (or rejects) when the task may
   * have changed, or after `timeoutMs`. `waitForTask` then re-reads the task at once instead
   * of sleeping out its backoff. retouch does not offer one yet (a later long-poll/SSE feature
   * plugs in here); without it, waiting polls.
   */
  readonly completionSignal?: CompletionSignal;
  /**
   * Long-poll while waiting (`Prefer: wait=N` on each read; retouch holds the answer until the
   * task changes and says so with `Preference-Applied`). `'auto'` (default): on, except towards
   * DashScope's own hosts (`*.aliyuncs.com`); a server that ignores the hint once is polled as
   * before from then on. `false`: never.
   */
  readonly longPoll?: 'auto' | boolean;
  /** Seconds one long-poll may last (default 30; the server caps it, retouch at 60). */
  readonly longPollSeconds?: number;
  /**
   * Send an `Idempotency-Key` (a random UUID) with every create unless the call gives its own
   * (default true). Once the server has shown that it honours keys (it echoes the key), a create
   * that failed on the way (network error, 5xx) is retried with the same key: never two tasks.
   */
  readonly idempotencyKeys?: boolean;
  readonly userAgent?: string;
}

export type CompletionSignal = (taskId: string, options: { timeoutMs: number; signal?: AbortSignal }) => Promise<void>;

export interface CallOptions {
  readonly signal?: AbortSignal;
}

export interface CreateCallOptions extends CallOptions {
  /** This create's Idempotency-Key (same key and body within 24 h → the same task); `false`: none. */
  readonly idempotencyKey?: string | false;
}

/** A create request in SDK terms: images may be local files, Buffers or streams. */
export interface TaskInput {
  /** Default `wan2.5-i2i-preview`. */
  readonly model?: string;
  readonly prompt: string;
  /** 1–3 images; "image 1" first. */
  readonly images: readonly ImageInput[];
  readonly negativePrompt?: string;
  readonly n?: number;
  /** `"W*H"`, e.g. `"1280*720"`. */
  readonly size?: string;
  readonly seed?: number;
  readonly promptExtend?: boolean;
  readonly watermark?: boolean;
  /** Extra parameters forwarded as they are. */
  readonly parameters?: CreateTaskParameters;
  readonly localFiles?: LocalFilesMode;
  /** retouch only: a URL that gets the task's final state as a signed webhook (`X-Retouch-Callback-Url`). */
  readonly callbackUrl?: string;
}

export type { WaitOptions } from './wait.js';

export interface ListTasksQuery {
  readonly taskId?: string;
  readonly status?: TaskStatus;
  readonly modelName?: string;
  /** `YYYYMMDDhhmmss` (Beijing time); the span must be ≤ 24 h. */
  readonly startTime?: string;
  readonly endTime?: string;
  readonly pageNo?: number;
  readonly pageSize?: number;
}

export interface EditOptions extends TaskInput, WaitOptions {
  /** When given, results are saved there as soon as the task settles. */
  readonly outputDir?: string;
  readonly download?: Omit<DownloadOptions, 'signal'>;
  /** Called once the task is submitted. */
  readonly onSubmitted?: (taskId: string) => void;
  /** The create's Idempotency-Key (default: a fresh one, see `ClientOptions.idempotencyKeys`). */
  readonly idempotencyKey?: string | false;
}

export interface EditResult {
  readonly taskId: string;
  readonly status: TaskStatus;
  readonly task: GetTaskResponse;
  /** Present when `outputDir` was given. */
  readonly download?: DownloadReport;
}

/** Normalises a base URL: no trailing slash; a bare origin gets `/api/v1`. */
export function normalizeBaseUrl(raw: string): string {
  const url = new URL(raw.trim());
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/api/v1';
  return url.toString().replace(/\/+$/, '');
}

const env = (name: string): string | undefined => (typeof process !== 'undefined' ? process.env[name] : undefined) || undefined;

export type RetouchClient = ReturnType<typeof createClient>;

/**
 * Creates a client for retouch or DashScope.
 *
 * @example
 * ```ts
 * import { createClient } from '@retouch/sdk';
 * const client = createClient({ baseUrl: 'http://127.0.0.1:8080/api/v1', apiKey: process.env.DASHSCOPE_API_KEY });
 * const { download } = await client.edit({ prompt: 'convert to black and white', images: ['photo.jpg'], n: 1, outputDir: 'out' });
 * console.log(download?.images);
 * ```
 */
export function createClient(options: ClientOptions = {}) {
  const baseUrl = normalizeBaseUrl(options.baseUrl ?? env('DASHSCOPE_HTTP_BASE_URL') ?? DEFAULT_BASE_URL);
  const apiKey = options.apiKey ?? env('DASHSCOPE_API_KEY');
  const doFetch: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  // `process` is absent in browsers (the web console uses this client), which send their own User-Agent.
  const userAgent =
    options.userAgent ??
    `retouch-sdk/${SDK_VERSION}; ${typeof process !== 'undefined' && process.versions?.node ? `node/${process.versions.node}` : 'browser'}`;
  const longPollSeconds = Math.max(1, Math.floor(options.longPollSeconds ?? 30));
  const server = createServerCapabilities(baseUrl, options.longPoll);

  function headers(extra: Record<string, string> = {}): Record<string, string> {
    if (!apiKey) {
      throw new DashScopeError({ code: 'InvalidApiKey', message: 'No API-key provided (pass apiKey or set DASHSCOPE_API_KEY).', status: 401 });
    }
    const h: Record<string, string> = {
      Accept: 'application/json; charset=utf-8',
      Authorization: `Bearer ${apiKey}`,
      'user-agent': userAgent,
      ...extra,
    };
    if (options.workspace) h['X-DashScope-WorkSpace'] = options.workspace;
    return h;
  }

  async function json<T>(res: Response): Promise<T> {
    const text = await res.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new DashScopeError({
        code: SdkErrorCodes.badResponse,
        message: `Expected JSON from ${res.url}, got: ${text.slice(0, 200)}`,
        status: res.status,
        requestId: res.headers.get('x-request-id') ?? undefined,
      });
    }
  }

  interface CallInit {
    body?: string;
    headers?: Record<string, string>;
    signal?: AbortSignal;
    retry?: RetryPolicy;
    shouldRetry?: (e: DashScopeError) => boolean;
    onResponse?: (res: Response) => void;
  }

  async function call<T>(method: string, path: string, init: CallInit = {}): Promise<T> {
    const res = await send(`${baseUrl}${path}`, () => ({ method, headers: headers(init.headers), body: init.body }), {
      fetch: doFetch,
      retry: init.retry ?? retry,
      signal: init.signal,
      shouldRetry: init.shouldRetry,
      onResponse: init.onResponse,
    });
    return json<T>(res);
  }

  async function getPolicy(model: string, signal?: AbortSignal): Promise<UploadPolicy> {
    const res = await call<unknown>('GET', `/uploads?action=getPolicy&model=${encodeURIComponent(model)}`, { signal });
    return parsePolicy(res);
  }

  /** Turns SDK inputs into wire strings; uploads where needed (one policy per call, as the Python SDK). */
  async function prepareImages(inputs: readonly ImageInput[], model: string, mode: LocalFilesMode, signal?: AbortSignal) {
    let policy: Promise<UploadPolicy> | undefined;
    const images = await Promise.all(
      inputs.map(async (input, i) => {
        const loaded = await loadInput(input, i);
        if (typeof loaded === 'string') return loaded;
        const inline = mode === 'inline' || (mode === 'auto' && loaded.bytes.length <= (options.inlineMaxBytes ?? DEFAULT_INLINE_MAX_BYTES));
        if (inline) return toDataUri(loaded.bytes, loaded.filename);
        policy ??= getPolicy(model, signal);
        return postUpload(await policy, loaded, { fetch: doFetch, retry, userAgent, signal });
      }),
    );
    return { images, ossResolve: images.some((s) => s.toLowerCase().startsWith('oss://')) };
  }

  const client = {
    baseUrl,

    /** retouch's webhook API: endpoints, test events, the delivery log (packages/sdk/src/webhooks.ts). */
    webhooks: createWebhookMethods(call),

    /**
     * Submits a task and returns at once with its id (state PENDING). Throttling (429) and 503
     * are retried. Other 5xx and network errors are retried only with an Idempotency-Key the
     * server has shown it honours (retouch echoes it), since without one the task may already
     * exist (never submit twice).
     *
     * @example
     * ```ts
     * const { output } = await client.createTask({ prompt: '把背景换成白色', images: ['https://…/a.jpg'], n: 2 });
     * console.log(output.task_id);
     * ```
     */
    async createTask(input: TaskInput, call_: CreateCallOptions = {}): Promise<CreateTaskResponse> {
      const model = input.model ?? MODEL_WAN25_I2I;
      const { images, ossResolve } = await prepareImages(input.images, model, input.localFiles ?? options.localFiles ?? 'auto', call_.signal);
      const parameters: CreateTaskParameters = { ...input.parameters };
      if (input.n !== undefined) parameters.n = input.n;
      if (input.size !== undefined) parameters.size = input.size;
      if (input.seed !== undefined) parameters.seed = input.seed;
      if (input.promptExtend !== undefined) parameters.prompt_extend = input.promptExtend;
      if (input.watermark !== undefined) parameters.watermark = input.watermark;
      const body: CreateTaskRequest = { model, input: { prompt: input.prompt, images }, parameters };
      if (input.negativePrompt !== undefined) body.input.negative_prompt = input.negativePrompt;
      const key = call_.idempotencyKey ?? (options.idempotencyKeys === false ? false : randomUUID());
      return call<CreateTaskResponse>('POST', '/services/aigc/image2image/image-synthesis', {
        body: JSON.stringify(body),
        headers: {
          'Content-Type': 'application/json; charset=utf-8',
          'X-DashScope-Async': 'enable',
          ...(ossResolve ? { 'X-DashScope-OssResourceResolve': 'enable' } : {}),
          ...(key === false ? {} : { 'Idempotency-Key': key }),
          ...(input.callbackUrl ? { 'X-Retouch-Callback-Url': input.callbackUrl } : {}),
        },
        signal: call_.signal,
        onResponse: (res) => server.sawCreate(res, key),
        shouldRetry: (e) => e.status === 429 || e.status === 503 || (key !== false && server.honoursKeys && e.retryable),
      });
    },

    /**
     * One read of a task. Unknown, expired or foreign ids answer `task_status: "UNKNOWN"` (not an
     * error). With `waitSeconds`, asks the server to hold the answer until the task changes
     * (long-poll; servers without it answer at once).
     */
    async getTask(taskId: string, call_: CallOptions & { retry?: RetryPolicy; waitSeconds?: number } = {}): Promise<GetTaskResponse> {
      return (await readTask(taskId, call_)).task;
    },

    /**
     * Lists the workspace's tasks (default: the last 24 h, page 1 of 10).
     *
     * @example
     * ```ts
     * const page = await client.listTasks({ status: 'FAILED', pageSize: 50 });
     * for (const t of page.data) console.log(t.task_id, t.status);
     * ```
     */
    async listTasks(query: ListTasksQuery = {}, call_: CallOptions = {}): Promise<ListTasksResponse> {
      const params = new URLSearchParams({ page_no: String(query.pageNo ?? 1), page_size: String(query.pageSize ?? 10) });
      if (query.taskId) params.set('task_id', query.taskId);
      if (query.status) params.set('status', query.status);
      if (query.modelName) params.set('model_name', query.modelName);
      if (query.startTime) params.set('start_time', query.startTime);
      if (query.endTime) params.set('end_time', query.endTime);
      return call<ListTasksResponse>('GET', `/tasks?${params}`, { signal: call_.signal });
    },

    /** Cancels a PENDING task; anything else throws `UnsupportedOperation` (400). */
    async cancelTask(taskId: string, call_: CallOptions = {}): Promise<CancelTaskResponse> {
      return call<CancelTaskResponse>('POST', `/tasks/${encodeURIComponent(taskId)}/cancel`, { signal: call_.signal });
    },

    /**
     * Waits until the task is SUCCEEDED, FAILED, CANCELED or UNKNOWN and returns the last answer
     * (check `output.task_status` and each result: SUCCEEDED may hold failed images). Long-polls
     * a server that holds reads (retouch), else polls: intervals grow from `initialIntervalMs` ×1.5 up to `maxIntervalMs`, with jitter; a
     * throttled or failed poll waits at least its `Retry-After`. Stops with the signal's reason
     * on abort, and with `WaitTaskTimeout` (408) at the deadline.
     *
     * @example
     * ```ts
     * const task = await client.waitForTask(id, { timeoutMs: 120_000, onProgress: (t) => console.log(t.output.task_status) });
     * ```
     */
    async waitForTask(taskId: string, wait: WaitOptions = {}): Promise<GetTaskResponse> {
      // No transport-level retries: the loop is the retry loop, and it knows the deadline.
      const read = (id: string, r: { signal?: AbortSignal; waitSeconds: number }) => readTask(id, { ...r, retry: { ...retry, maxRetries: 0 } });
      return waitLoop({ read, longPollSeconds, retry, pause }, taskId, wait);
    },

    /**
     * Submits, waits and (with `outputDir`) saves the results: the whole job in one call.
     *
     * @example
     * ```ts
     * const result = await client.edit({ prompt: 'rotate 90 degrees', images: ['./in.png'], n: 2, outputDir: './out' });
     * if (result.status !== 'SUCCEEDED') throw new Error(result.task.output.message);
     * for (const img of result.download!.images) console.log(img.ok ? img.path : `${img.code}: ${img.message}`);
     * ```
     */
    async edit(edit: EditOptions): Promise<EditResult> {
      const created = await client.createTask(edit, { signal: edit.signal, idempotencyKey: edit.idempotencyKey });
      const taskId = created.output.task_id;
      edit.onSubmitted?.(taskId);
      const task = await client.waitForTask(taskId, edit);
      const status = task.output.task_status;
      if (edit.outputDir === undefined || status !== 'SUCCEEDED') return { taskId, status, task };
      const download = await client.downloadResults(task, edit.outputDir, { ...edit.download, signal: edit.signal });
      return { taskId, status, task, download };
    },

    /**
     * Saves every successful image of a task to `dir` (default names `<task_id>-<index>.png`) as
     * soon as it arrives, and reports each slot: saved, failed in the task, or failed to download.
     * Never throws for a single image; result links expire (24 h), so call it promptly.
     */
    downloadResults(task: GetTaskResponse, dir: string, download: DownloadOptions = {}): Promise<DownloadReport> {
      return downloadTaskResults(task, dir, { fetch: doFetch, retry }, download);
    },

    /**
     * Uploads one file through the temporary-upload flow and returns its `oss://` key, usable as
     * an input (the SDK then sends `X-DashScope-OssResourceResolve: enable` itself). Files are
     * kept 48 h and only the same workspace can use them.
     *
     * @example
     * ```ts
     * const ref = await client.uploadFile('./big-photo.jpg');
     * await client.createTask({ prompt: 'crop to a square', images: [ref] });
     * ```
     */
    async uploadFile(file: ImageInput, upload: CallOptions & { model?: string } = {}): Promise<string> {
      const loaded = await loadInput(file, 0);
      if (typeof loaded === 'string')
        throw new DashScopeError({ code: SdkErrorCodes.input, message: 'uploadFile takes a local file, bytes or a stream, not a URL.', status: 0 });
      const policy = await getPolicy(upload.model ?? MODEL_WAN25_I2I, upload.signal);
      return postUpload(policy, loaded, { fetch: doFetch, retry, userAgent, signal: upload.signal });
    },
  };

  /** A read of the task, long-polling when asked to and the server may support it. */
  async function readTask(taskId: string, read: CallOptions & { retry?: RetryPolicy; waitSeconds?: number }) {
    const hint = server.waitHint(read.waitSeconds ?? 0);
    let waited = false;
    const task = await call<GetTaskResponse>('GET', `/tasks/${encodeURIComponent(taskId)}`, {
      signal: read.signal,
      retry: read.retry,
      ...(hint > 0 ? { headers: { Prefer: `wait=${hint}` } } : {}),
      onResponse: (res) => (waited = server.sawRead(res, hint)),
    });
    return { task, waited };
  }

  /**
   * Calls any other endpoint under the base URL (e.g. `GET /models`, the admin API) with the
   * client's key, workspace, retries and error handling; answers parsed as JSON. Writes are
   * retried only on 429 and 503 (refused before anything happened), so none is applied twice.
   *
   * @example
   * ```ts
   * const { data } = await client.request<{ data: { id: string }[] }>('GET', '/models');
   * ```
   */
  async function request<T>(method: string, path: string, init: CallOptions & { body?: unknown } = {}): Promise<T> {
    return call<T>(method, path.startsWith('/') ? path : `/${path}`, {
      signal: init.signal,
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body), headers: { 'Content-Type': 'application/json; charset=utf-8' } }),
      ...(method.toUpperCase() === 'GET' ? {} : { shouldRetry: (e: DashScopeError) => e.status === 429 || e.status === 503 }),
    });
  }

  /** Sleeps out a poll interval, or less when the server's completion signal fires. */
  async function pause(taskId: string, ms: number, signal?: AbortSignal): Promise<void> {
    if (!options.completionSignal) return sleep(ms, signal);
    await options.completionSignal(taskId, { timeoutMs: ms, signal }).catch(() => sleep(ms, signal));
  }

  return Object.assign(client, { request });
}
