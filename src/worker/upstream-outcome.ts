/**
 * Settling a task from its upstream task's final state (the upstream scheduler calls this once
 * the upstream says SUCCEEDED, FAILED, CANCELED or UNKNOWN). Each result image is downloaded at
 * once into retouch's blob store (upstream links expire) and recorded with its actual prompt;
 * per-image and task-level codes and messages are kept as the upstream gave them.
 */
import type { BlobStore } from '../blobs/blob-store.js';
import { resultBlobKey } from '../blobs/keys.js';
import { TaskFailures } from '../errors.js';
import { backoffMs } from '../engines/routes/backoff.js';
import type { UpstreamEngine, UpstreamSnapshot } from '../engines/routes/upstream-engine.js';
import type { StoredResult, TaskRecord, UpstreamRef } from '../tasks/task-record.js';
import { failTask, settleTask, type Failure, type SettleDeps } from './settle.js';

export interface OutcomeDeps extends SettleDeps {
  readonly blobs: BlobStore;
  readonly log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

const DOWNLOAD_ATTEMPTS = 3;
const EXTENSIONS: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' };

export const UPSTREAM_LOST: Failure = TaskFailures.upstreamLost;
const DOWNLOAD_FAILED: Failure = TaskFailures.downloadFailed;

async function download(deps: OutcomeDeps, upstream: UpstreamEngine, task: TaskRecord, index: number, url: string): Promise<StoredResult> {
  for (let attempt = 0; ; attempt++) {
    try {
      const { bytes, contentType } = await upstream.download(url, AbortSignal.timeout(120_000));
      const key = resultBlobKey(task.workspaceId, task.id, index, EXTENSIONS[contentType] ?? 'png');
      await deps.blobs.put(key, bytes, contentType in EXTENSIONS ? contentType : 'image/png');
      return { ok: true, blobKey: key };
    } catch (err) {
      if (attempt + 1 >= DOWNLOAD_ATTEMPTS) {
        deps.log.warn({ err, taskId: task.id, index }, 'downloading an upstream result failed');
        return DOWNLOAD_FAILED;
      }
      await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt)));
    }
  }
}

export async function settleFromUpstream(
  deps: OutcomeDeps,
  upstream: UpstreamEngine,
  task: TaskRecord,
  ref: UpstreamRef,
  snapshot: UpstreamSnapshot,
): Promise<void> {
  const log = { taskId: task.id, upstreamTaskId: ref.id, route: ref.route, status: snapshot.status };
  if (snapshot.status === 'CANCELED') {
    const endTime = deps.clock.now();
    if (await deps.queue.settle(task.id, deps.workerId, { status: 'CANCELED', endTime, expiresAt: endTime + deps.retentionMs }))
      deps.onSettled?.({ task, status: 'CANCELED', endTime });
    deps.log.info(log, 'upstream task was cancelled');
    return;
  }
  if (snapshot.status === 'UNKNOWN') {
    await failTask(deps, task, UPSTREAM_LOST);
    deps.log.warn(log, 'upstream task unknown upstream');
    return;
  }
  if (snapshot.status === 'FAILED') {
    await failTask(deps, task, {
      ok: false,
      code: snapshot.code ?? 'InternalError',
      message: snapshot.message ?? snapshot.code ?? 'The upstream task failed.',
    });
    deps.log.info({ ...log, code: snapshot.code }, 'upstream task failed');
    return;
  }
  // SUCCEEDED: every image at once; an image already stored by an earlier run is kept.
  const results = await Promise.all(
    Array.from({ length: task.n }, async (_, index): Promise<StoredResult> => {
      const done = task.results[index];
      if (done) return done;
      const item = snapshot.results[index];
      let result: StoredResult;
      if (item?.url) {
        const stored = await download(deps, upstream, task, index, item.url);
        result = stored.ok && item.actualPrompt !== undefined ? { ...stored, actualPrompt: item.actualPrompt } : stored;
      } else if (item) {
        result = { ok: false, code: item.code ?? 'InternalError', message: item.message ?? 'The upstream produced no image for this index.' };
      } else {
        result = TaskFailures.noUpstreamResult;
      }
      if (!(await deps.queue.recordResult(task.id, deps.workerId, index, result))) throw new LeaseGone();
      return result;
    }),
  ).catch((err) => {
    if (err instanceof LeaseGone) return undefined;
    throw err;
  });
  if (results) await settleTask(deps, task, results);
  deps.log.info({ ...log, succeeded: results?.filter((r) => r.ok).length }, 'upstream task done');
}

class LeaseGone extends Error {}
