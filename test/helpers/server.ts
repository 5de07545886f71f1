/**
 * Test harness: a real retouch server on a random loopback port with a temporary data dir.
 * In-process (startServer) for most suites; as a child process (`node bin/retouch.js serve`,
 * from the build made by `npm test`) where a test must SIGKILL or SIGTERM it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { startServer, type RunningServer, type StartOptions } from '../../src/main.js';

export const TEST_KEY = 'sk-retouch-test-key-0001';
export const REPO_ROOT = resolve(import.meta.dirname, '../..');

export interface TestServer {
  readonly url: string;
  readonly key: string;
  readonly dataDir: string;
  readonly server: RunningServer;
  close(): Promise<void>;
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'retouch-test-'));
}

/** Environment for a test server; `env` entries override the defaults. */
export function testEnv(dataDir: string, env: Record<string, string> = {}): Record<string, string> {
  return {
    RETOUCH_DATA_DIR: dataDir,
    RETOUCH_PORT: '0',
    RETOUCH_API_KEY: TEST_KEY,
    RETOUCH_ENABLE_TEST_ENGINE: 'true',
    RETOUCH_LOG_LEVEL: 'silent',
    RETOUCH_WORKER_CONCURRENCY: '2',
    ...env,
  };
}

export async function startTestServer(env: Record<string, string> = {}, options: StartOptions = {}): Promise<TestServer> {
  const dataDir = env.RETOUCH_DATA_DIR ?? tempDataDir();
  const server = await startServer(loadConfig(testEnv(dataDir, env)), options);
  return {
    url: server.url,
    key: TEST_KEY,
    dataDir,
    server,
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ChildServer {
  readonly url: string;
  readonly child: ChildProcess;
  readonly output: () => string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
}

/** Starts `retouch serve` as a separate process and waits until it listens. */
export async function spawnServer(dataDir: string, env: Record<string, string> = {}): Promise<ChildServer> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/retouch.js'), 'serve'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...testEnv(dataDir, env) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 20_000);
    const check = () => {
      const m = /listening on (http:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`server exited early:\n${output}`));
    });
  });
  return { url, child, output: () => output, exited };
}
