/**
 * Child processes for the benches: a real `retouch serve` (from dist/) and the bare-Fastify
 * baseline (bench/lib/baseline-server.ts). Each runs in its own process so that the load
 * generator (the bench process) never shares their event loop.
 *
 * Not test/helpers/server.ts's spawnServer: that module also imports src/main.ts (for its
 * in-process server), which would load the whole application into the load generator.
 */
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const BENCH_KEY = 'sk-retouch-bench-key-0001';

export interface Child {
  readonly url: string;
  readonly child: ChildProcess;
  readonly output: () => string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

function stopper(child: ChildProcess): (graceMs?: number) => Promise<void> {
  const exited = new Promise<void>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) done();
    else child.once('exit', () => done());
  });
  return async (graceMs = 15_000) => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
}

function waitFor(child: ChildProcess, output: () => string, pattern: RegExp, what: string): Promise<string> {
  return new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`${what} did not start within 30 s:\n${output()}`)), 30_000);
    const check = () => {
      const m = pattern.exec(output());
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        done(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`${what} exited early (${code ?? signal}):\n${output()}`));
    });
  });
}

function capture(child: ChildProcess): () => string {
  let text = '';
  const add = (d: Buffer) => {
    text += d.toString();
    if (text.length > 200_000) text = text.slice(-100_000);
  };
  child.stdout!.on('data', add);
  child.stderr!.on('data', add);
  return () => text;
}

/** `node [nodeArgs] bin/retouch.js serve` on a random loopback port, with the test engine on. */
export async function spawnRetouch(opts: { root?: string; dataDir: string; env?: Record<string, string>; nodeArgs?: string[] }): Promise<Child> {
  const root = opts.root ?? REPO_ROOT;
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), join(root, 'bin/retouch.js'), 'serve'], {
    cwd: root,
    env: {
      ...process.env,
      RETOUCH_DATA_DIR: opts.dataDir,
      RETOUCH_HOST: '127.0.0.1',
      RETOUCH_PORT: '0',
      RETOUCH_API_KEY: BENCH_KEY,
      RETOUCH_ENABLE_TEST_ENGINE: '1',
      RETOUCH_LOG_LEVEL: 'silent',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = capture(child);
  const stop = stopper(child);
  try {
    const url = await waitFor(child, output, /listening on (http:\/\/\S+)/, 'retouch serve');
    return { url, child, output, stop };
  } catch (err) {
    await stop(1000);
    throw err;
  }
}

/** The bare-Fastify baseline (see baseline-server.ts), with an IPC channel for commands. */
export async function spawnBaseline(opts: {
  dataDir: string;
  nodeArgs?: string[];
  env?: Record<string, string>;
}): Promise<Child & { httpUrl: string; call<T>(msg: object): Promise<T> }> {
  const child = fork(join(REPO_ROOT, 'bench/lib/baseline-server.ts'), [], {
    cwd: REPO_ROOT,
    execArgv: ['--import', 'tsx', ...(opts.nodeArgs ?? [])],
    env: { ...process.env, BENCH_DATA_DIR: opts.dataDir, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const output = capture(child);
  const stop = stopper(child);
  let seq = 0;
  const pending = new Map<number, { done: (v: any) => void; fail: (e: Error) => void }>();
  child.on('message', (msg: { seq: number; ok: boolean; value?: unknown; error?: string }) => {
    const p = pending.get(msg.seq);
    if (!p) return;
    pending.delete(msg.seq);
    if (msg.ok) p.done(msg.value);
    else p.fail(new Error(`baseline: ${msg.error}`));
  });
  child.once('exit', () => {
    for (const p of pending.values()) p.fail(new Error(`baseline exited:\n${output()}`));
    pending.clear();
  });
  const call = <T>(msg: object) =>
    new Promise<T>((done, fail) => {
      const id = ++seq;
      pending.set(id, { done, fail });
      child.send({ ...msg, seq: id });
    });
  try {
    const url = await waitFor(child, output, /baseline listening on (http:\/\/\S+)/, 'baseline server');
    const httpUrl = /baseline node:http listening on (http:\/\/\S+)/.exec(output())![1]!;
    return { url, httpUrl, child, output, stop, call };
  } catch (err) {
    await stop(1000);
    throw err;
  }
}

let ticksPerSecond: number | undefined;

/**
 * CPU time (user + system, all threads: libuv pool and libvips included) a process has used so
 * far, in ms; undefined where /proc is not available. Less sensitive to noisy neighbours than
 * throughput: a busy machine slows a process down, but barely changes the CPU it needs per job.
 */
export function processCpuMs(pid: number | undefined): number | undefined {
  const fields = statFields(pid);
  return fields && ((Number(fields[11]) + Number(fields[12])) * 1000) / ticks();
}

/** /proc/PID/stat after the command name: fields[0] is the state, [1] the parent pid. */
function statFields(pid: number | undefined): string[] | undefined {
  if (pid === undefined) return undefined;
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  } catch {
    return undefined;
  }
}

function ticks(): number {
  ticksPerSecond ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  return ticksPerSecond;
}

/** CPU of a process and its direct children (a `--processes N` node and its workers). */
export function processTreeCpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  let total = processCpuMs(pid) ?? 0;
  for (const entry of readdirSync('/proc')) {
    if (/^\d+$/.test(entry) && statFields(Number(entry))?.[1] === String(pid)) total += processCpuMs(Number(entry)) ?? 0;
  }
  return total;
}

/**
 * CPU of the local PostgreSQL server: every `postgres` process now, plus what its postmaster has
 * reaped (backends of closed connections). Undefined when no local server's processes are visible.
 */
export function postgresCpuMs(): number | undefined {
  const servers = new Map<string, string[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
    } catch {
      continue;
    }
    const fields = statFields(Number(entry));
    if (fields) servers.set(entry, fields);
  }
  if (servers.size === 0) return undefined;
  let total = 0;
  for (const fields of servers.values()) {
    total += Number(fields[11]) + Number(fields[12]);
    // The postmaster (its parent is not a postgres process): add the CPU of the children it reaped.
    if (!servers.has(fields[1]!)) total += Number(fields[13]) + Number(fields[14]);
  }
  return (total * 1000) / ticks();
}
