/**
 * `retouch serve --processes 2` on PostgreSQL: one port served by two processes, and a clean
 * stop on SIGTERM. Which process answered is read from GET /metrics: each process counts only
 * its own requests, so an answer that shows no earlier /metrics request comes from a process
 * that had not answered one yet: there are as many such answers as processes that answered.
 * Every request goes on a new connection (the primary hands out connections, not requests).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/server.js';
import { createBody, createTask, imageDataUri, waitForStatus } from '../helpers/http.js';
import { dropSchema, newSchemaName, TEST_DATABASE_URL } from '../helpers/postgres.js';

const KEY = 'sk-retouch-processes-0001';

function getOnNewConnection(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end();
  });
}

/** How many /metrics requests this process had answered before this one. */
function earlierMetricsRequests(text: string): number {
  const line = text.split('\n').find((l) => l.startsWith('retouch_http_requests_total{') && l.includes('route="/metrics"'));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

const childrenOf = (pid: number): number[] =>
  execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
    .split('\n')
    .map((s) => Number(s.trim()))
    .filter(Boolean);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('serve --processes', () => {
  const schema = newSchemaName();
  const dir = mkdtempSync(join(tmpdir(), 'processes-'));
  afterAll(async () => {
    await dropSchema(schema);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses more than one process without PostgreSQL, naming the setting', () => {
    let stderr = '';
    try {
      execFileSync(process.execPath, [join(REPO_ROOT, 'bin/retouch.js'), 'serve', '--processes', '2', '--data-dir', dir], {
        encoding: 'utf8',
        env: { ...process.env, RETOUCH_DATABASE_URL: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      stderr = (err as { stderr: string }).stderr;
      expect((err as { status: number }).status).toBe(2);
    }
    expect(stderr).toMatch(/RETOUCH_PROCESSES.*RETOUCH_DATABASE_URL/);
  });

  it('serves one port from two processes, runs tasks, and stops cleanly on SIGTERM', async () => {
    const node = spawn(process.execPath, [join(REPO_ROOT, 'bin/retouch.js'), 'serve', '--processes', '2'], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        RETOUCH_DATABASE_URL: TEST_DATABASE_URL,
        RETOUCH_DATABASE_SCHEMA: schema,
        RETOUCH_DATA_DIR: dir,
        RETOUCH_HOST: '127.0.0.1',
        RETOUCH_PORT: '0',
        RETOUCH_API_KEY: KEY,
        RETOUCH_ENABLE_TEST_ENGINE: 'true',
        RETOUCH_LOG_LEVEL: 'warn',
        RETOUCH_WORKER_CONCURRENCY: '2',
        RETOUCH_RATE_LIMIT_SUBMIT: '0',
        RETOUCH_SHUTDOWN_GRACE: '5s',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    node.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    node.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => node.on('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const check = () => {
          const m = /retouch listening on (http:\/\/\S+) \(2 processes/.exec(output);
          if (m) resolve(m[1]!);
        };
        node.stdout!.on('data', check);
        void exited.then(() => reject(new Error(`exited early:\n${output}`)));
      });
      expect(output.match(/retouch listening on/g)).toHaveLength(1); // one readiness line for the node

      const children = childrenOf(node.pid!);
      expect(children).toHaveLength(2);
      const firsts = [];
      for (let i = 0; i < 20; i++) firsts.push(earlierMetricsRequests(await getOnNewConnection(`${url}/metrics`)) === 0);
      expect(firsts.filter(Boolean)).toHaveLength(2);

      const image = await imageDataUri(400, 400);
      const ids = [];
      for (let i = 0; i < 6; i++) ids.push((await createTask(url, KEY, createBody([image], 'plain', { n: 1 }))).body.output.task_id as string);
      for (const id of ids) expect((await waitForStatus(url, KEY, id)).body.output.task_status).toBe('SUCCEEDED');

      node.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output).toMatch(/SIGTERM received, draining 2 processes/);
      for (const pid of children) expect(alive(pid)).toBe(false);
    } finally {
      if (node.exitCode === null) node.kill('SIGKILL');
    }
  });
});
