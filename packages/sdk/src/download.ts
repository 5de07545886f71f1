/**
 * Saving a task's result images. Each image is written as soon as its download finishes
 * (to a temporary name, then renamed, so a reader never sees half a file); one failing image
 * does not stop the others.
 */
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { GetTaskResponse, TaskOutput } from './protocol/wire.js';
import { DashScopeError, SdkErrorCodes } from './errors.js';
import { send, type FetchLike, type RetryPolicy } from './http.js';

export interface DownloadOptions {
  readonly signal?: AbortSignal;
  /** File name for result `index` (default `<task_id>-<index>.png`). */
  readonly filename?: (taskId: string, index: number) => string;
  /** Called as soon as one image is saved or has failed. */
  readonly onImage?: (outcome: ImageOutcome) => void;
}

/** One result slot of a task: saved to `path`, or failed (in the task, or while downloading). */
export type ImageOutcome =
  | { readonly index: number; readonly ok: true; readonly url: string; readonly path: string; readonly bytes: number; readonly actualPrompt?: string }
  | { readonly index: number; readonly ok: false; readonly code: string; readonly message: string; readonly url?: string };

export interface DownloadReport {
  readonly taskId: string;
  /** One entry per result item, in order. */
  readonly images: readonly ImageOutcome[];
  readonly saved: number;
  readonly failed: number;
}

/**
 * `mkdir -p` without Node's `{ recursive: true }`, which never returns for a directory under
 * /proc or /sys (the kernel answers ENOENT for any child; Node retries the parent forever): each
 * missing directory is made once, parents first, and any error is final.
 */
async function makeDir(dir: string): Promise<void> {
  const codeOf = (err: unknown) => (err as NodeJS.ErrnoException).code;
  const missing: string[] = [];
  for (let at = resolve(dir); ; at = dirname(at)) {
    try {
      if (!(await stat(at)).isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${at}'`), { code: 'ENOTDIR' });
      break;
    } catch (err) {
      if (codeOf(err) !== 'ENOENT' || dirname(at) === at) throw err;
      missing.push(at);
    }
  }
  for (const d of missing.reverse()) {
    try {
      await mkdir(d);
    } catch (err) {
      if (codeOf(err) !== 'EEXIST' || !(await stat(d)).isDirectory()) throw err;
    }
  }
}

export async function downloadTaskResults(
  task: GetTaskResponse | TaskOutput,
  dir: string,
  deps: { fetch: FetchLike; retry: RetryPolicy },
  options: DownloadOptions = {},
): Promise<DownloadReport> {
  const output = 'output' in task ? task.output : task;
  const results = output.results ?? [];
  await makeDir(dir);
  const name = options.filename ?? ((id: string, i: number) => `${id}-${i}.png`);

  const images = await Promise.all(
    results.map(async (item, index): Promise<ImageOutcome> => {
      let outcome: ImageOutcome;
      if (!item.url) {
        outcome = { index, ok: false, code: item.code ?? 'Unknown', message: item.message ?? 'This image was not produced.' };
      } else {
        const url = item.url;
        try {
          // Result links are pre-signed: no Authorization header (it would leak the key to a third-party host).
          const res = await send(url, () => ({ method: 'GET' }), { fetch: deps.fetch, retry: deps.retry, signal: options.signal });
          const bytes = Buffer.from(await res.arrayBuffer());
          const path = join(dir, name(output.task_id, index));
          const partial = `${path}.${process.pid}.part`;
          await writeFile(partial, bytes);
          await rename(partial, path);
          outcome = { index, ok: true, url, path, bytes: bytes.length, ...(item.actual_prompt ? { actualPrompt: item.actual_prompt } : {}) };
        } catch (err) {
          if (options.signal?.aborted) throw options.signal.reason;
          const e = err instanceof DashScopeError ? err : undefined;
          outcome = {
            index,
            ok: false,
            url,
            code: e ? `${SdkErrorCodes.download}.${e.code}` : SdkErrorCodes.download,
            message: (err as Error).message,
          };
        }
      }
      options.onImage?.(outcome);
      return outcome;
    }),
  );
  const saved = images.filter((i) => i.ok).length;
  return { taskId: output.task_id, images, saved, failed: images.length - saved };
}
