/**
 * The serialised GET body of settled tasks (SUCCEEDED, FAILED, CANCELED), per node.
 *
 * A settled task never changes again until it expires, so its body is built (and its result
 * URLs signed) once: the links already carry a fixed expiry (end_time + the result-link TTL),
 * so a cached link is the very link a fresh read would sign for local disk. An entry is used
 * only while the task is unexpired (an expired task answers UNKNOWN, cached or not), and at most
 * `maxAgeMs` after it was built (so a presigned link from a rotated credential does not live in
 * the cache longer than that). Bounded: at most `maxEntries`, the least recently used go first.
 *
 * The body is stored without its `request_id`, which `withRequestId` puts in front: the bytes
 * are those `JSON.stringify` gives for the whole answer, request id first.
 */
import { isTerminal, type GetTaskResponse } from '@retouch/sdk/protocol';
import type { TaskRecord } from '../tasks/task-record.js';

export interface TaskBodyCache {
  /** The cached body of this workspace's task, if any and still valid at `now`. */
  get(workspaceId: string, taskId: string, now: number): string | undefined;
  /** Remembers the body of a settled task (other states are ignored). */
  put(task: TaskRecord, body: string, now: number): void;
  readonly size: number;
}

interface Entry {
  readonly workspaceId: string;
  readonly body: string;
  readonly until: number;
}

export function createTaskBodyCache(options: { maxEntries?: number; maxAgeMs?: number } = {}): TaskBodyCache {
  const maxEntries = options.maxEntries ?? 10_000;
  const maxAgeMs = options.maxAgeMs ?? 10 * 60_000;
  // Keyed by task id alone (ids are unique across workspaces; the entry says whose it is): no
  // key string to build and hash per request.
  const entries = new Map<string, Entry>();
  let newest: Entry | undefined;

  return {
    get(workspaceId, taskId, now) {
      const entry = entries.get(taskId);
      if (!entry || entry.workspaceId !== workspaceId) return undefined;
      if (entry.until <= now) {
        entries.delete(taskId);
        return undefined;
      }
      // Most recently used last; a client polling one task does not move it every time.
      if (entry !== newest) {
        entries.delete(taskId);
        entries.set(taskId, entry);
        newest = entry;
      }
      return entry.body;
    },
    put(task, body, now) {
      if (!isTerminal(task.status)) return;
      entries.delete(task.id);
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
      newest = { workspaceId: task.workspaceId, body, until: Math.min(task.expiresAt, now + maxAgeMs) };
      entries.set(task.id, newest);
    },
    get size() {
      return entries.size;
    },
  };
}

/** The answer without its request id, as `withRequestId` expects it. */
export function bodyWithoutRequestId(response: GetTaskResponse): string {
  const { request_id: _omitted, ...rest } = response;
  return JSON.stringify(rest);
}

/** `{"request_id":…,` + the rest: the same bytes as JSON.stringify of the whole answer. */
export function withRequestId(requestId: string, body: string): string {
  return body === '{}' ? `{"request_id":${JSON.stringify(requestId)}}` : `{"request_id":${JSON.stringify(requestId)},${body.slice(1)}`;
}
