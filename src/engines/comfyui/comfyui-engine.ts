/**
 * The `comfyui` engine: each output image is one run of the route's workflow template on a
 * ComfyUI server. For an edit it uploads the inputs (POST /upload/image), fills the template
 * (workflow.ts: prompt, negative prompt, seed = task seed + index, output size, image names),
 * queues it (POST /prompt with this engine's client_id and a prompt_id of its own), polls
 * GET /history/{prompt_id} with backoff until the prompt is done, and downloads the result
 * from GET /view.
 *
 * Cancel (task cancel, shutdown, deadline, route timeout) touches only its own prompt: pending →
 * POST /queue {delete: [id]}; running → POST /interrupt {prompt_id: id}; already finished →
 * nothing. /queue is read first, so even a ComfyUI older than the targeted /interrupt is only
 * interrupted while our prompt is the one running.
 */
import { createHash, randomUUID } from 'node:crypto';
import { EditError, type EditRequest, type EditResult, type Engine } from '../engine.js';
import type { UpstreamContext } from '../upstream-kit/context.js';
import { upstreamError, UpstreamCodes } from '../upstream-kit/errors.js';
import { pause } from '../upstream-kit/http.js';
import { normalizeOutput, sniffImage, wantedSize } from '../upstream-kit/output.js';
import { createSemaphore } from '../upstream-kit/semaphore.js';
import { createComfyClient, describeFailure, type HistoryEntry, type ImageRef } from './client.js';
import { comfyUiOptionsSchema, type ComfyUiOptions, type ComfyUiOptionsInput } from './options.js';
import { loadWorkflow, type WorkflowTemplate } from './workflow.js';

/** Every this-many empty history polls, /queue is read to notice a prompt ComfyUI forgot. */
const QUEUE_CHECK_EVERY = 4;
const CANCEL_TIMEOUT_MS = 5000;
/** Per output image, from upload to download, counted from when it gets its concurrency slot. */
export const DEFAULT_TIMEOUT_MS = 600_000;

export function createComfyUiEngine(input: ComfyUiOptionsInput | ComfyUiOptions, ctx: UpstreamContext, template?: WorkflowTemplate): Engine {
  const options = comfyUiOptionsSchema.parse(input);
  const workflow = template ?? loadWorkflow(options.workflow, ctx.baseDir, options.output_node);
  const base = options.base_url.replace(/\/+$/, '');
  const who = `ComfyUI ${ctx.route ? `of route ${ctx.route} ` : ''}(${new URL(base).host})`;
  const headers: Record<string, string> = {};
  if (ctx.apiKey) headers.authorization = `Bearer ${ctx.apiKey}`;
  const client = createComfyClient(base, headers, who);
  const clientId = randomUUID();
  // The route's `concurrency` and `timeout` (0 or absent: the defaults).
  const slots = createSemaphore(ctx.concurrency || 1);
  const timeoutMs = ctx.timeoutMs || DEFAULT_TIMEOUT_MS;
  const maxBytes = Math.round(options.max_image_mb * 1048576);

  /** Best effort, on its own short deadline: the task is going away whatever this answers. */
  async function cancelOwn(id: string): Promise<void> {
    const limits = { signal: new AbortController().signal, deadline: Date.now() + CANCEL_TIMEOUT_MS };
    try {
      const queue = await client.queue(limits);
      if (queue.pending.includes(id)) await client.deletePending(id, limits);
      else if (queue.running.includes(id)) await client.interrupt(id, limits);
    } catch (err) {
      ctx.log.warn({ route: ctx.route, promptId: id, err }, 'could not cancel the ComfyUI prompt');
    }
  }

  async function waitFor(id: string, signal: AbortSignal, deadline: number): Promise<HistoryEntry> {
    let delay = options.poll_min_ms;
    for (let polls = 1; ; polls++) {
      const limits = { signal, deadline };
      const entry = await client.history(id, limits);
      if (entry) return entry;
      if (polls % QUEUE_CHECK_EVERY === 0) {
        const queue = await client.queue(limits);
        // Re-read history: the prompt may have finished between the two reads.
        if (!queue.running.includes(id) && !queue.pending.includes(id) && !(await client.history(id, limits))) {
          throw upstreamError(UpstreamCodes.lost, `${who} no longer knows prompt ${id} (restarted, or its queue was cleared).`);
        }
      }
      const left = deadline - Date.now();
      if (left <= 0) throw upstreamError(UpstreamCodes.timeout, `${who} did not finish prompt ${id} in time.`);
      await pause(Math.min(delay, left), signal);
      delay = Math.min(options.poll_max_ms, Math.round(delay * 1.5));
    }
  }

  function resultOf(entry: HistoryEntry, id: string): ImageRef {
    if (entry.status?.status_str === 'error') {
      const failure = describeFailure(entry);
      if (failure.interrupted) throw upstreamError(UpstreamCodes.lost, `${who} interrupted prompt ${id} (cancelled on the ComfyUI side).`);
      throw upstreamError(UpstreamCodes.failed, `${who} failed to run the workflow: ${failure.message}`);
    }
    const images = entry.outputs?.[workflow.outputNode]?.images ?? [];
    const image = images.find((i) => i.type === 'output') ?? images[0];
    if (!image) throw upstreamError(UpstreamCodes.badResponse, `${who}: output node ${workflow.outputNode} of the workflow produced no image.`);
    return image;
  }

  async function run(req: EditRequest): Promise<Buffer> {
    const size = wantedSize(req.size, req.images[0]!);
    const deadline = Date.now() + timeoutMs;
    const limits = { signal: req.signal, deadline };
    // Content-addressed names: the n outputs of a task (and tasks sharing an image) reuse one
    // file in ComfyUI's input folder instead of piling up copies; identical bytes make the
    // overwrite harmless.
    const names = await Promise.all(
      req.images.map((bytes) => {
        const { ext, mime } = sniffImage(bytes);
        const name = `${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}.${ext}`;
        return client.upload(bytes, name, mime, options.upload_subfolder, limits);
      }),
    );
    const graph = workflow.fill({
      prompt: req.prompt,
      negativePrompt: req.negativePrompt,
      seed: req.seed,
      width: size.width,
      height: size.height,
      images: names,
    });
    // Our own id: new servers use it, so a POST /prompt cut off by a cancel is still cancellable.
    let id: string = randomUUID();
    try {
      id = await client.queuePrompt(graph, clientId, id, limits);
      const entry = await waitFor(id, req.signal, deadline);
      const bytes = await client.view(resultOf(entry, id), { ...limits, maxBytes });
      if (options.delete_history) await client.deleteHistory(id, limits).catch(() => undefined);
      return await normalizeOutput(bytes, size, req.watermark, `The image from ${who}`);
    } catch (err) {
      const gaveUp = req.signal.aborted || (err instanceof EditError && err.code === UpstreamCodes.timeout);
      if (gaveUp) await cancelOwn(id);
      throw err;
    }
  }

  return {
    name: 'comfyui',
    async edit(req: EditRequest): Promise<EditResult> {
      req.signal.throwIfAborted();
      if (req.images.length > workflow.maxImages) {
        throw new EditError(
          'InvalidParameter',
          `This model's workflow takes at most ${workflow.maxImages} input image${workflow.maxImages > 1 ? 's' : ''}, got ${req.images.length}.`,
        );
      }
      const release = await slots.acquire(req.signal);
      try {
        return { png: await run(req) };
      } finally {
        release();
      }
    },
  };
}
