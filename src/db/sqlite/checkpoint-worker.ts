/**
 * The SQLite checkpointer's thread (checkpointer.ts): its own connection to the database file,
 * copying committed WAL frames into the database (a PASSIVE checkpoint, which waits for no
 * reader or writer) every CHECKPOINT_BUSY_MS while there is work, every CHECKPOINT_IDLE_MS when
 * there was none. It says 'ready' once its connection is open, and stops, closing it, when told 'stop'.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

export interface CheckpointWorkerData {
  readonly path: string;
  /** The main connection's `synchronous` (0–3): a checkpoint fsyncs as the commits do. */
  readonly synchronous: number;
  readonly busyMs: number;
  readonly idleMs: number;
}

interface CheckpointRow {
  readonly busy: number;
  readonly log: number;
  readonly checkpointed: number;
}

const { path, synchronous, busyMs, idleMs } = workerData as CheckpointWorkerData;
const db = new Database(path, { fileMustExist: true });
db.pragma(`synchronous = ${synchronous}`);
const checkpoint = db.prepare<[], CheckpointRow>('PRAGMA wal_checkpoint(PASSIVE)');
let stopped = false;
let timer: NodeJS.Timeout | undefined;

function run(): void {
  let moved = 0;
  try {
    const row = checkpoint.get()!;
    moved = row.checkpointed;
  } catch {
    // SQLITE_BUSY and the like: the next round tries again; the main connection's own
    // autocheckpoint is the backstop (checkpointer.ts).
  }
  if (!stopped) timer = setTimeout(run, moved > 0 ? busyMs : idleMs);
}

parentPort!.on('message', (message) => {
  if (message !== 'stop') return;
  stopped = true;
  clearTimeout(timer);
  db.close();
  parentPort!.close();
});
parentPort!.postMessage('ready');
run();
