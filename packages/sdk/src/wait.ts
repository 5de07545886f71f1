/**
 * The loop behind `waitForTask`: reads until the task is final, long-polling where the server
 * holds reads (then each answer means "changed" and the next read goes out at once) and
 * otherwise polling at growing, jittered intervals; failures back off, honouring Retry-After.
 */
import { isTerminal } from './protocol/states.js';
import type { GetTaskResponse } from './protocol/index.js';
import { DashScopeError, SdkErrorCodes } from './errors.js';
import { backoffDelay, type RetryPolicy } from './http.js';

export interface WaitOptions {
  readonly signal?: AbortSignal;
  /** Give up after this many ms (throws `WaitTaskTimeout`, status 408). */
  readonly timeoutMs?: number;
  /** Give up at this epoch-ms time; the earlier of this and `timeoutMs` wins. */
  readonly deadline?: number;
  /** First poll interval (default 1000 ms); grows ×1.5 per poll with ±25 % jitter. */
  readonly initialIntervalMs?: number;
  /** Longest poll interval (default 5000 ms). */
  readonly maxIntervalMs?: number;
  /** Called with every answer (state, metrics, results), e.g. to show progress. */
  readonly onProgress?: (task: GetTaskResponse) => void;
}

export interface WaitLoopDeps {
  /** One read without transport retries; `waited`: the server held it (long-poll). */
  read(taskId: string, options: { signal?: AbortSignal; waitSeconds: number }): Promise<{ task: GetTaskResponse; waited: boolean }>;
  /** Seconds one read may be held (0: never ask). */
  readonly longPollSeconds: number;
  readonly retry: RetryPolicy;
  /** Sleeps out an interval (or less, with a completion signal). */
  pause(taskId: string, ms: number, signal?: AbortSignal): Promise<void>;
}

export async function waitLoop(deps: WaitLoopDeps, taskId: string, wait: WaitOptions): Promise<GetTaskResponse> {
  const deadline = Math.min(wait.deadline ?? Infinity, wait.timeoutMs !== undefined ? Date.now() + wait.timeoutMs : Infinity);
  const maxInterval = wait.maxIntervalMs ?? 5000;
  let interval = wait.initialIntervalMs ?? 1000;
  let failures = 0;
  for (;;) {
    let delay: number;
    try {
      const seconds = Math.min(deps.longPollSeconds, Math.floor((deadline - Date.now()) / 1000));
      const { task, waited } = await deps.read(taskId, { signal: wait.signal, waitSeconds: seconds });
      failures = 0;
      wait.onProgress?.(task);
      if (isTerminal(task.output.task_status)) return task;
      // A long-poll answered because the task changed (or its wait ended): ask again at once.
      if (waited) continue;
      delay = Math.round(interval * (0.75 + Math.random() * 0.5));
      interval = Math.min(maxInterval, interval * 1.5);
    } catch (err) {
      if (!(err instanceof DashScopeError) || !err.retryable || ++failures > deps.retry.maxRetries + 5) throw err;
      delay = Math.max(err.retryAfterMs ?? 0, backoffDelay(failures - 1, { baseDelayMs: interval, maxDelayMs: deps.retry.maxDelayMs }));
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new DashScopeError({ code: SdkErrorCodes.waitTimeout, message: `Task ${taskId} did not finish before the deadline.`, status: 408 });
    }
    await deps.pause(taskId, Math.min(delay, left), wait.signal);
  }
}
