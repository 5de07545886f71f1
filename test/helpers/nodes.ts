/**
 * Nodes of a multi-node deployment as child processes: `node bin/retouch.js serve --role R`
 * (from the build), each waiting for its readiness line. Imports nothing of the application,
 * so benches can use it without loading retouch into the load generator.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

export interface Node {
  readonly role: 'api' | 'worker' | 'all';
  /** API address ('' for workers). */
  readonly url: string;
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the exit code or signal once the process is gone. */
  readonly exited: Promise<number | string>;
}

/**
 * `nodeArgs` go to node itself, before the script (benches: `--cpu-prof`); `root` is the
 * checkout whose build runs (benches compare two).
 */
export async function startNode(role: Node['role'], env: Record<string, string>, nodeArgs: readonly string[] = [], root = ROOT): Promise<Node> {
  const child = spawn(process.execPath, [...nodeArgs, join(root, 'bin/retouch.js'), 'serve', '--role', role], {
    cwd: root,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const add = (d: Buffer) => {
    text += d.toString();
    if (text.length > 100_000) text = text.slice(-50_000);
  };
  child.stdout!.on('data', add);
  child.stderr!.on('data', add);
  const exited = new Promise<number | string>((done) => child.on('exit', (code, signal) => done(code ?? signal ?? -1)));
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`${role} node did not start:\n${text}`)), 30_000);
    const check = () => {
      const m = /listening on (http:\/\/\S+)|(worker ready)/.exec(text);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off('data', check);
      done(m[1] ?? '');
    };
    child.stdout!.on('data', check);
    check();
    void exited.then(() => {
      clearTimeout(timer);
      fail(new Error(`${role} node exited early:\n${text}`));
    });
  });
  return { role, url, child, output: () => text, exited };
}

/** SIGTERM (graceful drain), SIGKILL after `graceMs`; resolves with how it ended. */
export async function stopNode(node: Node, graceMs = 10_000): Promise<number | string> {
  if (node.child.exitCode === null && node.child.signalCode === null) node.child.kill('SIGTERM');
  const timer = setTimeout(() => node.child.kill('SIGKILL'), graceMs);
  const how = await node.exited;
  clearTimeout(timer);
  return how;
}
