/**
 * OpenAI-compatible image edits: `POST /v1/images/edits` (multipart: `image` or `image[]` ×1–3,
 * `prompt`, `n`, `size`, `response_format` url|b64_json, `model`, `user`; extensions as in
 * vLLM-Omni: `negative_prompt`, `seed`). Authenticated with `Authorization: Bearer <retouch key>`.
 *
 * The request becomes an ordinary task (TaskService.create: the same image checks, routes,
 * rate limits and per-workspace running limit as the DashScope API); the answer waits for the
 * task to settle (the store's settled events, with a slow poll as a safety net) and is
 * synchronous: `{created, data: [{url} | {b64_json}, revised_prompt?]}`. A client that hangs up
 * first cancels its task if it has not started yet; a running task finishes (its results stay
 * in the task list). Every error is OpenAI-shaped (openai-errors.ts).
 */
import multipart, { type Multipart } from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError, Errors } from '../../errors.js';
import { MAX_IMAGE_BYTES, sniffFormat } from '../../inputs/image-check.js';
import type { BodyGate } from '../../limits/body-gate.js';
import type { ReceiveGuard } from '../../limits/body-meter.js';
import { isRequestProblem, isTerminal, MAX_IMAGES, validateCreateRequest, MODEL_WAN25_I2I } from '@retouch/sdk/protocol';
import type { Caller } from '../../tasks/task-service.js';
import type { NewTask, TaskRecord } from '../../tasks/task-record.js';
import type { AppDeps } from '../deps.js';
import { authenticate } from '../auth.js';
import { fromApiError, fromTaskFailure, invalid, OpenAiError, sendOpenAiError, toOpenAiError } from './openai-errors.js';

export const OPENAI_DEFAULT_MODEL = MODEL_WAN25_I2I;
const API_CSP = "default-src 'none'; frame-ancestors 'none'";

interface EditForm {
  readonly images: Buffer[];
  readonly fields: Record<string, string>;
}

/**
 * Every byte of the body, boundaries included, is fed to `guard` (the body budget and the
 * receive deadline) as it arrives, when there is one. It observes the request stream that
 * @fastify/multipart pipes into its parser (attached once that pipe exists, so nothing is lost).
 */
async function readForm(request: FastifyRequest, guard: ReceiveGuard | undefined): Promise<EditForm> {
  if (!request.isMultipart()) throw invalid(null, 'The request must be multipart/form-data with the image(s) and the prompt.', 'invalid_multipart');
  const images: Buffer[] = [];
  const fields: Record<string, string> = {};
  const parts = request.parts() as AsyncIterable<Multipart>;
  const meter = (chunk: Buffer) => void guard?.chunk(chunk.length);
  if (guard) request.raw.on('data', meter);
  try {
    for await (const part of parts) {
      if (part.type === 'file') {
        if (part.fieldname === 'mask') throw invalid('mask', 'Masks are not supported: describe the region to edit in the prompt.', 'unsupported_parameter');
        if (part.fieldname !== 'image' && part.fieldname !== 'image[]')
          throw invalid(
            part.fieldname,
            `Unexpected file field '${part.fieldname.slice(0, 40)}'; send the images as 'image' or 'image[]'.`,
            'unknown_parameter',
          );
        images.push(await part.toBuffer());
      } else if (typeof part.value === 'string') {
        if (part.fieldname in fields) throw invalid(part.fieldname, `Parameter '${part.fieldname.slice(0, 40)}' is given more than once.`);
        fields[part.fieldname] = part.value;
      }
    }
  } catch (err) {
    if (err instanceof OpenAiError) throw err;
    // Anything the multipart parser throws besides its limits is a malformed body (busboy's
    // "Unexpected end of form", a bad part header…): the client's problem, not a 500.
    const mapped = toOpenAiError(err);
    throw mapped.status >= 500 ? invalid(null, 'The multipart body could not be read; check the boundary and the parts.', 'invalid_multipart') : mapped;
  } finally {
    request.raw.off('data', meter);
  }
  return { images, fields };
}

function integer(fields: Record<string, string>, name: string, min: number, max: number, message: string): number | undefined {
  const raw = fields[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) throw invalid(name, message);
  return value;
}

/** The multipart form as a DashScope create body, so that it meets exactly the same validation. */
function toCreateBody(form: EditForm): { body: unknown; responseFormat: 'url' | 'b64_json'; user?: string } {
  const { fields, images } = form;
  if (fields.stream !== undefined && fields.stream.trim().toLowerCase() !== 'false')
    throw invalid('stream', 'Streaming is not supported.', 'unsupported_parameter');
  const prompt = fields.prompt;
  if (prompt === undefined || prompt.trim() === '') throw invalid('prompt', "Missing required parameter: 'prompt'.", 'missing_required_parameter');
  if (images.length === 0) throw invalid('image', "Missing required parameter: 'image' (1 to 3 files, as 'image' or 'image[]').", 'missing_required_parameter');
  if (images.length > MAX_IMAGES) throw invalid('image', 'At most 3 images can be edited together.', 'too_many_images');
  const responseFormat = (fields.response_format?.trim() || 'url') as 'url' | 'b64_json';
  if (responseFormat !== 'url' && responseFormat !== 'b64_json') throw invalid('response_format', "response_format must be 'url' or 'b64_json'.");
  const n = integer(fields, 'n', 1, 4, 'n must be an integer between 1 and 4.') ?? 1;
  const seed = integer(fields, 'seed', 0, 2147483647, 'seed must be an integer between 0 and 2147483647.');
  const sizeText = fields.size?.trim() ?? 'auto';
  let size: string | undefined;
  if (sizeText !== '' && sizeText !== 'auto') {
    const m = /^(\d{1,5})x(\d{1,5})$/.exec(sizeText);
    if (!m) throw invalid('size', `size must be 'auto' or WIDTHxHEIGHT such as '1024x1024', got '${sizeText.slice(0, 40)}'.`);
    size = `${m[1]}*${m[2]}`;
  }
  const uris = images.map((bytes) => `data:image/${sniffFormat(bytes) ?? 'png'};base64,${bytes.toString('base64')}`);
  const parameters: Record<string, unknown> = { n, prompt_extend: true, watermark: false };
  if (size) parameters.size = size;
  if (seed !== undefined) parameters.seed = seed;
  const input: Record<string, unknown> = { prompt, images: uris };
  if (fields.negative_prompt) input.negative_prompt = fields.negative_prompt;
  return { body: { model: fields.model?.trim() || OPENAI_DEFAULT_MODEL, input, parameters }, responseFormat, user: fields.user?.slice(0, 200) };
}

/** The validator's messages name the DashScope parameter; OpenAI clients know the form field. */
function paramOf(message: string): string | null {
  if (/\bsize\b/.test(message)) return 'size';
  if (/\bn\b/.test(message)) return 'n';
  if (/seed/.test(message)) return 'seed';
  if (/images/.test(message)) return 'image';
  if (/prompt/.test(message)) return 'prompt';
  return null;
}

export function registerOpenAiImageRoutes(app: FastifyInstance, deps: AppDeps, bodyGate?: BodyGate): void {
  const callers = new WeakMap<FastifyRequest, { caller: Caller; startedAt: number }>();

  /** Auth and the workspace's submission rate, before any of the body is read. */
  async function admit(request: FastifyRequest): Promise<void> {
    const startedAt = Date.now();
    const caller = await authenticate(request, deps.keys);
    const perSecond = deps.rateLimits?.submitPerSecond;
    if (deps.limiter && perSecond) {
      const decision = await deps.limiter.take(`submit:${caller.workspaceId}`, perSecond, 1000, deps.clock.now());
      if (!decision.allowed) throw Errors.rateLimited(decision.retryAfterMs);
    }
    callers.set(request, { caller, startedAt });
  }

  /** Resolves once the task is final; rejects when `signal` aborts or the task disappears. */
  function settled(id: string, workspaceId: string, signal: AbortSignal): Promise<TaskRecord> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      let done = false;
      const finish = (fn: () => void) => {
        if (done) return;
        done = true;
        unsubscribe();
        clearInterval(timer);
        signal.removeEventListener('abort', onAbort);
        fn();
      };
      const check = () =>
        deps.tasks.get(id, workspaceId).then(
          (task) => {
            if (!task) finish(() => reject(new OpenAiError(500, 'The task disappeared before it finished.', 'internal_error')));
            else if (isTerminal(task.status)) finish(() => resolve(task));
          },
          (err) => finish(() => reject(err)),
        );
      const onAbort = () => finish(() => reject(signal.reason));
      const unsubscribe = deps.taskEvents?.onTaskSettled((taskId) => taskId === id && void check()) ?? (() => undefined);
      // Settled events are wake-ups, not guarantees (a PostgreSQL listener can reconnect): poll slowly too.
      const timer = setInterval(check, deps.taskEvents ? 2000 : 250);
      signal.addEventListener('abort', onAbort, { once: true });
      void check();
    });
  }

  async function present(task: TaskRecord, responseFormat: 'url' | 'b64_json') {
    const failure = task.results.find((r) => r && !r.ok);
    if (task.status !== 'SUCCEEDED' || failure || task.results.some((r) => !r)) {
      if (task.status === 'CANCELED') throw new OpenAiError(409, 'The task was canceled before it ran.', 'canceled');
      const code = failure && !failure.ok ? failure.code : (task.code ?? 'InternalError');
      const message = failure && !failure.ok ? failure.message : (task.message ?? 'The edit failed.');
      throw fromTaskFailure(code, message);
    }
    const expiresAt = (task.endTime ?? task.submitTime) + deps.resultUrlTtlMs;
    const data = await Promise.all(
      task.results.map(async (r) => {
        if (!r || !r.ok) throw new OpenAiError(500, 'An image was not produced.', 'internal_error');
        let item: Record<string, string>;
        if (responseFormat === 'url') item = { url: await deps.blobs.urlFor(r.blobKey, expiresAt) };
        else {
          const bytes = await deps.blobs.get(r.blobKey);
          if (!bytes) throw new OpenAiError(500, 'A result image is no longer stored.', 'internal_error');
          item = { b64_json: bytes.toString('base64') };
        }
        if (r.actualPrompt !== undefined) item.revised_prompt = r.actualPrompt;
        return item;
      }),
    );
    return { created: Math.floor((task.endTime ?? deps.clock.now()) / 1000), data };
  }

  void app.register(
    async (scope) => {
      await scope.register(multipart, {
        limits: { fileSize: MAX_IMAGE_BYTES, files: MAX_IMAGES, fields: 30, fieldSize: 256 * 1024, parts: 40 },
      });
      scope.setErrorHandler((err, request, reply) => {
        const error = toOpenAiError(err);
        if (error.status >= 500) request.log.error({ err }, 'openai images request failed');
        return sendOpenAiError(reply, error);
      });
      scope.addHook('onRequest', async (_request, reply) => {
        reply.header('content-security-policy', API_CSP);
      });
      // Unknown paths and methods under /v1 answer in OpenAI's shape too.
      scope.setNotFoundHandler((request, reply) =>
        sendOpenAiError(reply, new OpenAiError(404, `Invalid URL (${request.method} ${request.url.split('?')[0]!.slice(0, 200)}).`, 'unknown_url')),
      );

      scope.post('/images/edits', { preParsing: admit }, async (request, reply) => {
        const { caller, startedAt } = callers.get(request)!;
        if (deps.isDraining?.()) throw fromApiError(Errors.unavailable());
        // The form is read through the shared body gate (limits/body-gate.ts): every byte counts
        // against the workspace's and the process's budget as it arrives, under the receive
        // deadline. The reservation is given back once the task is stored: a request waiting for
        // its task holds no body.
        let fail!: (err: ApiError) => void;
        const failed = new Promise<never>((_, reject) => (fail = reject));
        failed.catch(() => undefined);
        const guard = bodyGate?.guard(caller.workspaceId, reply.raw, fail, startedAt);
        let form: EditForm;
        try {
          form = await Promise.race([readForm(request, guard), failed]);
        } catch (err) {
          throw err instanceof ApiError ? fromApiError(err) : err;
        } finally {
          guard?.stop();
        }
        const { body, responseFormat, user } = toCreateBody(form);
        const parsed = validateCreateRequest(body);
        if (isRequestProblem(parsed)) throw invalid(paramOf(parsed.message), parsed.message);
        if (!deps.engines.has(parsed.model)) {
          throw new OpenAiError(404, `The model '${parsed.model.slice(0, 100)}' does not exist or you do not have access to it.`, 'model_not_found', 'model');
        }
        const gone = new AbortController();
        reply.raw.once('close', () => reply.raw.writableFinished || gone.abort(new Error('client went away')));
        let task: NewTask;
        try {
          task = await deps.tasks.create(parsed, caller, { requestId: request.id, ossResolve: false, signal: gone.signal });
        } catch (err) {
          throw err instanceof ApiError ? fromApiError(err, 'image') : err;
        } finally {
          guard?.release();
        }
        request.log.info({ taskId: task.id, model: task.model, n: task.n, user }, 'openai images edit queued');
        let final: TaskRecord;
        try {
          final = await settled(task.id, caller.workspaceId, gone.signal);
        } catch (err) {
          if (gone.signal.aborted) {
            // Nobody will read the answer: give the slot back if the task has not started.
            await deps.tasks.cancel(task.id, caller.workspaceId).catch(() => false);
            return reply;
          }
          throw err;
        }
        return reply.type('application/json').send(await present(final, responseFormat));
      });
    },
    { prefix: '/v1' },
  );
}
