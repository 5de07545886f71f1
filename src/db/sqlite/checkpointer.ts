/**
 * Checkpoints of the embedded SQLite database, on a thread of their own (issue 15).
 *
 * In WAL mode every commit appends the pages it changed to the WAL, and a checkpoint copies them
 * back into the database file, with an fsync of each file (at `synchronous` NORMAL or FULL).
 * By default SQLite runs that checkpoint inside the commit that takes the WAL past 1,000 pages,
 * on the connection's thread: here the event loop, which then stalls for the copy and the two
 * fsyncs. With small blobs in the database (sqlite-inline-blobs.ts) that was about 12 times a
 * second at full load. So a worker thread with its own connection runs PASSIVE checkpoints (they
 * take no lock a writer or reader waits for) every 100 ms while there are frames to copy, every
 * second otherwise, and the main connection's autocheckpoint is raised to 10,000 pages (40 MB of
 * WAL): a backstop that only acts if the thread falls behind or is gone. If the thread exits
 * unexpectedly, the main connection goes back to SQLite's default of 1,000 pages.
 *
 * Durability does not change: a commit is durable when it is in the WAL (`synchronous`), not
 * when it is checkpointed. Measured in docs/benchmarks.md ("stop 24").
 */
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../module-worker.js';
import type { CheckpointWorkerData } from './checkpoint-worker.js';
import type { SqliteDatabase } from './database.js';

const DEFAULT_AUTOCHECKPOINT = 1000;
export const BACKSTOP_AUTOCHECKPOINT = 10_000;
const STOP_TIMEOUT_MS = 5000;

export interface Checkpointer {
  /** Settles once the thread's connection is open (or the thread is gone). */
  readonly ready: Promise<void>;
  /** Stops the thread and closes its connection (before the main connection closes). */
  stop(): Promise<void>;
}

export function startCheckpointer(db: SqliteDatabase): Checkpointer {
  if (db.memory) return { ready: Promise.resolve(), stop: async () => undefined };
  const data: CheckpointWorkerData = {
    path: db.name,
    synchronous: db.pragma('synchronous', { simple: true }) as number,
    busyMs: 100,
    idleMs: 1000,
  };
  const worker: Worker = startModuleWorker(import.meta.url, 'checkpoint-worker', data);
  worker.unref();
  let stopping = false;
  db.pragma(`wal_autocheckpoint = ${BACKSTOP_AUTOCHECKPOINT}`);
  const exited = new Promise<void>((resolve) => {
    worker.once('exit', () => {
      // Gone without being asked (a crash, an error opening the file): checkpoint in-line again.
      if (!stopping && db.open) db.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT}`);
      resolve();
    });
  });
  worker.on('error', () => undefined); // reported by 'exit'
  const ready = Promise.race([new Promise<void>((resolve) => worker.once('message', () => resolve())), exited]);
  return {
    ready,
    async stop() {
      stopping = true;
      worker.postMessage('stop');
      const timeout = setTimeout(() => void worker.terminate(), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timeout);
    },
  };
}
