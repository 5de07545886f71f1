/**
 * Structured JSON logs (pino, through Fastify): request lines carry `request_id` (the id of the
 * response body and x-request-id), the create line adds `task_id`, and the worker's lines about a
 * task carry `task_id` (child loggers). A real child process, its stdout parsed line by line.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createBody, createTask, imageDataUri, waitForStatus } from '../helpers/http.js';
import { spawnServer, tempDataDir, TEST_KEY, type ChildServer } from '../helpers/server.js';

describe('structured logs', () => {
  const dir = tempDataDir();
  let server: ChildServer | undefined;
  afterAll(async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('carry request_id and task_id', async () => {
    server = await spawnServer(dir, { RETOUCH_LOG_LEVEL: 'info' });
    const created = await createTask(server.url, TEST_KEY, createBody([await imageDataUri()], 'throw=0', { n: 1 }));
    const taskId = created.body.output.task_id;
    await waitForStatus(server.url, TEST_KEY, taskId);
    const lines = server
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const requestLines = lines.filter((l) => l.request_id === created.body.request_id);
    expect(requestLines.map((l) => l.msg)).toEqual(expect.arrayContaining(['incoming request', 'task created', 'request completed']));
    expect(requestLines.find((l) => l.msg === 'task created')?.task_id).toBe(taskId);
    const engineFailure = lines.find((l) => l.msg === 'engine failed');
    expect(engineFailure?.task_id).toBe(taskId);
    expect(engineFailure?.level).toBe(50);
  });
});
