/**
 * `retouch serve --processes N`: one node as N processes (node:cluster), so that one host uses
 * all its cores. The primary only supervises: each child is a whole `serve` (API on the shared
 * port, the primary handing connections out in turn, plus its workers) on the shared PostgreSQL
 * database, exactly like N nodes on one machine. Config refuses N > 1 without PostgreSQL.
 *
 * - Start: the first child starts alone (it migrates the schema and creates the first API key,
 *   if any), then the others; the primary prints the one readiness line once all listen.
 * - SIGTERM/SIGINT: forwarded once to every child, which drains as a single process does; the
 *   primary exits 0 when all have exited 0 (1 otherwise).
 * - A child that dies after it was ready is replaced; one that fails to start stops the node.
 */
import cluster, { type Worker } from 'node:cluster';

/** What a child tells the primary once it serves. */
interface ReadyMessage {
  readonly retouch: 'ready';
  readonly url: string;
}

const isReady = (msg: unknown): msg is ReadyMessage => (msg as ReadyMessage | null)?.retouch === 'ready';

export const isClusterChild = (): boolean => cluster.isWorker;

/** In a child: tells the primary it serves at `url`. */
export function reportReady(url: string): void {
  process.send?.({ retouch: 'ready', url } satisfies ReadyMessage);
}

export async function runPrimary(processes: number, readyLine: (url: string) => string, shutdownGraceMs: number): Promise<void> {
  let stopping = false;
  const children = new Set<Worker>();
  let failures = 0;

  const fork = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const child = cluster.fork();
      children.add(child);
      let ready = false;
      child.on('message', (msg: unknown) => {
        if (!isReady(msg)) return;
        ready = true;
        resolve(msg.url);
      });
      child.on('exit', (code, signal) => {
        children.delete(child);
        if (code !== 0) failures++;
        if (!ready) return reject(new Error(`a retouch process exited during start (${signal ?? code})`));
        if (stopping) {
          if (children.size === 0) process.exit(failures === 0 ? 0 : 1);
          return;
        }
        process.stderr.write(`retouch: process ${child.process.pid} exited (${signal ?? code}); starting another\n`);
        fork().catch((err: Error) => stop('SIGTERM', err));
      });
    });

  const stop = (signal: NodeJS.Signals, cause?: Error) => {
    if (cause) process.stderr.write(`retouch: ${cause.message}; stopping\n`);
    if (stopping) {
      process.stderr.write(`retouch: ${signal} again, exiting now\n`);
      for (const child of children) child.process.kill('SIGKILL');
      process.exit(130);
    }
    stopping = true;
    if (!cause) process.stdout.write(`retouch: ${signal} received, draining ${children.size} processes (up to ${shutdownGraceMs} ms)\n`);
    if (children.size === 0) process.exit(cause ? 1 : 0);
    for (const child of children) child.process.kill('SIGTERM');
    // Children end their own drain within the grace period; this is the backstop.
    setTimeout(() => {
      for (const child of children) child.process.kill('SIGKILL');
    }, shutdownGraceMs + 10_000).unref();
    if (cause) failures++;
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  try {
    const url = await fork();
    await Promise.all(Array.from({ length: processes - 1 }, fork));
    process.stdout.write(`${readyLine(url)}\n`);
  } catch (err) {
    stop('SIGTERM', err as Error);
  }
}
