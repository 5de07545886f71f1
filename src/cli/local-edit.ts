/**
 * `retouch edit --local`: the built-in engine in this process, no server. The engine (and so
 * sharp and the ML runtimes) is imported lazily, so the SDK-only path never loads them.
 * Requests are validated with the same rules as the server (protocol/create-request.ts).
 */
import { randomInt, randomUUID } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_SEED, type NormalizedCreateRequest } from '@retouch/sdk/protocol';
import { type ImageOutcome, loadInput } from '@retouch/sdk';
import type { Progress } from './progress.js';

export interface LocalEditResult {
  readonly taskId: string;
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly images: ImageOutcome[];
  readonly code?: string;
  readonly message?: string;
}

async function readImage(ref: string, index: number, signal: AbortSignal): Promise<Buffer> {
  const loaded = await loadInput(ref, index);
  if (typeof loaded !== 'string') return loaded.bytes;
  if (/^data:/i.test(loaded)) {
    const { decodeDataUri } = await import('../inputs/resolve-images.js');
    return decodeDataUri(loaded, `input.images[${index}]`);
  }
  if (/^https?:/i.test(loaded)) {
    const res = await fetch(loaded, { signal });
    if (!res.ok) throw new Error(`input.images[${index}]: download failed with HTTP ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  }
  throw new Error(`input.images[${index}]: oss:// keys need a server; --local reads files, data URIs and http(s) URLs`);
}

/** `outputDir` exists: the edit command makes it before anything runs. */
export async function runLocalEdit(request: NormalizedCreateRequest, outputDir: string, progress: Progress, signal: AbortSignal): Promise<LocalEditResult> {
  const [{ createLocalEngine }, { checkImage }, { EditError }] = await Promise.all([
    import('../engines/local/local-engine.js'),
    import('../inputs/image-check.js'),
    import('../engines/engine.js'),
  ]);
  const taskId = `local-${randomUUID()}`;
  progress.submitted(taskId);
  const metrics = { TOTAL: request.n, SUCCEEDED: 0, FAILED: 0 };
  const report = (status: 'RUNNING' | 'SUCCEEDED' | 'FAILED') =>
    progress.status({ request_id: taskId, output: { task_id: taskId, task_status: status, task_metrics: { ...metrics } } });

  let images: Buffer[];
  try {
    images = await Promise.all(request.images.map(async (ref, i) => (await checkImage(await readImage(ref, i, signal), `input.images[${i}]`)).bytes));
  } catch (err) {
    const e = err as { code?: string; message: string };
    return { taskId, status: 'FAILED', images: [], code: e.code ?? 'InvalidParameter', message: e.message };
  }
  report('RUNNING');
  const engine = createLocalEngine();
  const seed = request.seed ?? randomInt(0, MAX_SEED - 3);
  const outcomes: ImageOutcome[] = [];
  try {
    for (let index = 0; index < request.n; index++) {
      let outcome: ImageOutcome;
      try {
        const result = await engine.edit({
          images,
          prompt: request.prompt,
          negativePrompt: request.negativePrompt,
          index,
          seed: seed + index,
          size: request.size,
          promptExtend: request.promptExtend,
          watermark: request.watermark,
          signal,
        });
        const path = join(outputDir, `${taskId}-${index}.png`);
        await writeFile(`${path}.part`, result.png);
        await rename(`${path}.part`, path);
        outcome = {
          index,
          ok: true,
          url: `file://${path}`,
          path,
          bytes: result.png.length,
          ...(result.actualPrompt ? { actualPrompt: result.actualPrompt } : {}),
        };
        metrics.SUCCEEDED++;
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        const known = err instanceof EditError;
        outcome = { index, ok: false, code: known ? err.code : 'InternalError', message: known ? err.message : `Internal error: ${(err as Error).message}` };
        metrics.FAILED++;
      }
      outcomes.push(outcome);
      progress.image(outcome);
      report(metrics.SUCCEEDED + metrics.FAILED < request.n ? 'RUNNING' : metrics.SUCCEEDED > 0 ? 'SUCCEEDED' : 'FAILED');
    }
  } finally {
    await engine.close?.();
  }
  if (metrics.SUCCEEDED === 0) {
    const first = outcomes.find((o) => !o.ok) as Extract<ImageOutcome, { ok: false }> | undefined;
    return { taskId, status: 'FAILED', images: outcomes, code: first?.code, message: first?.message };
  }
  return { taskId, status: 'SUCCEEDED', images: outcomes };
}
