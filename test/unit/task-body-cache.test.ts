/** The settled-task body cache (api/task-body-cache.ts): what it keeps, for how long, how many. */
import { describe, expect, it } from 'vitest';
import { bodyWithoutRequestId, createTaskBodyCache, withRequestId } from '../../src/api/task-body-cache.js';
import type { TaskRecord } from '../../src/tasks/task-record.js';

const task = (id: string, status: TaskRecord['status'], expiresAt = 10_000, workspaceId = 'ws'): TaskRecord =>
  ({ id, status, expiresAt, workspaceId }) as TaskRecord;

describe('task body cache', () => {
  it('keeps settled tasks only, per workspace, until the task expires', () => {
    const cache = createTaskBodyCache();
    for (const status of ['PENDING', 'RUNNING'] as const) cache.put(task(status, status), 'x', 0);
    for (const status of ['SUCCEEDED', 'FAILED', 'CANCELED'] as const) cache.put(task(status, status), `{"s":"${status}"}`, 0);
    expect(cache.size).toBe(3);
    expect(cache.get('ws', 'RUNNING', 1)).toBeUndefined();
    expect(cache.get('ws', 'SUCCEEDED', 1)).toBe('{"s":"SUCCEEDED"}');
    expect(cache.get('other-ws', 'SUCCEEDED', 1)).toBeUndefined();
    expect(cache.get('ws', 'FAILED', 9_999)).toBe('{"s":"FAILED"}');
    expect(cache.get('ws', 'FAILED', 10_000)).toBeUndefined(); // expired: never served, and dropped
    expect(cache.size).toBe(2);
  });

  it('drops an entry after maxAgeMs even when the task lives on', () => {
    const cache = createTaskBodyCache({ maxAgeMs: 100 });
    cache.put(task('a', 'SUCCEEDED'), '{}', 0);
    expect(cache.get('ws', 'a', 99)).toBe('{}');
    expect(cache.get('ws', 'a', 100)).toBeUndefined();
  });

  it('is bounded, least recently used out first', () => {
    const cache = createTaskBodyCache({ maxEntries: 2 });
    cache.put(task('a', 'SUCCEEDED'), '{"a":1}', 0);
    cache.put(task('b', 'SUCCEEDED'), '{"b":1}', 0);
    expect(cache.get('ws', 'a', 1)).toBe('{"a":1}'); // a is now the most recent
    cache.put(task('c', 'SUCCEEDED'), '{"c":1}', 0);
    expect(cache.size).toBe(2);
    expect(cache.get('ws', 'b', 1)).toBeUndefined();
    expect(cache.get('ws', 'a', 1)).toBe('{"a":1}');
    expect(cache.get('ws', 'c', 1)).toBe('{"c":1}');
  });

  it('keeps the order of use when the newest entry is read again and again', () => {
    const cache = createTaskBodyCache({ maxEntries: 2 });
    cache.put(task('a', 'SUCCEEDED'), '{"a":1}', 0);
    cache.put(task('b', 'SUCCEEDED'), '{"b":1}', 0);
    for (let i = 0; i < 3; i++) expect(cache.get('ws', 'b', 1)).toBe('{"b":1}');
    expect(cache.get('other-ws', 'a', 1)).toBeUndefined(); // another workspace's read is no use
    expect(cache.get('ws', 'a', 1)).toBe('{"a":1}');
    cache.put(task('c', 'SUCCEEDED'), '{"c":1}', 0);
    expect(cache.get('ws', 'b', 1)).toBeUndefined();
    expect(cache.get('ws', 'a', 1)).toBe('{"a":1}');
    expect(cache.get('ws', 'c', 1)).toBe('{"c":1}');
  });

  it('puts the request id back in front: the bytes JSON.stringify gives for the whole answer', () => {
    const answer = { request_id: 'req-"1"', output: { task_id: 't', task_status: 'SUCCEEDED' as const }, usage: { image_count: 1 } };
    expect(withRequestId('req-"1"', bodyWithoutRequestId(answer))).toBe(JSON.stringify(answer));
  });
});
