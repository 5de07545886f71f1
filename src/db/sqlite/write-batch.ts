/**
 * Group commit for the embedded SQLite database (issue 15). The writes of a task's life (its
 * insert, claim, results and settlement) are queued and run together once per event-loop turn
 * (setImmediate), in one IMMEDIATE transaction, each write in a savepoint of its own: one commit
 * for all of them instead of one each. Every commit writes the pages it changed to the WAL, and
 * the same few pages (the tasks table, its indexes, the revision counter) change in every write:
 * a task's writes (insert, claim, routing, settlement) with eight tasks in flight took 345–374 µs
 * of CPU per task batched, 471–587 µs one commit each (docs/benchmarks.md, stop 23).
 *
 * What a crash can lose: nothing anyone was told about. A caller's promise settles only after
 * the commit that holds its write, so an API answer, a worker's next step or an event is never
 * based on an uncommitted write; a crash (SIGKILL) before the commit loses the queued writes,
 * whose callers were still waiting. Durability is otherwise the database's (`synchronous`).
 *
 * A write that throws is rolled back alone (its savepoint) and rejects alone; the others
 * commit. If the transaction cannot commit, every write of the batch rejects. A batch runs
 * synchronously inside one callback, so no other statement of this process (which shares the
 * connection) can fall inside its transaction.
 */
import type { SqliteDatabase } from './database.js';

export interface WriteBatch {
  /** Runs `write` (synchronous statements) in the turn's batch; resolves with its result once committed. */
  run<T>(write: () => T): Promise<T>;
}

interface Queued {
  readonly write: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; err: unknown };

const batches = new WeakMap<SqliteDatabase, WriteBatch>();

/** The database's one batch, shared by every adapter writing through it. */
export function writeBatchFor(db: SqliteDatabase): WriteBatch {
  let batch = batches.get(db);
  if (!batch) {
    batch = createWriteBatch(db);
    batches.set(db, batch);
  }
  return batch;
}

function createWriteBatch(db: SqliteDatabase): WriteBatch {
  let queue: Queued[] = [];
  // Called inside the batch's transaction, better-sqlite3 makes this a SAVEPOINT.
  const inSavepoint = db.transaction((write: () => unknown) => write());
  const runAll = db.transaction((items: readonly Queued[]): Outcome[] =>
    items.map((item): Outcome => {
      // An error that ends the whole transaction (a full disk) leaves no savepoint to roll back
      // to: the rest must not run in autocommit, so the batch fails as a whole.
      if (!db.inTransaction) throw new Error('the SQLite transaction of a write batch was rolled back');
      try {
        return { ok: true, value: inSavepoint(item.write) };
      } catch (err) {
        return { ok: false, err };
      }
    }),
  );

  const flush = () => {
    const items = queue;
    queue = [];
    let outcomes: Outcome[];
    try {
      outcomes = runAll.immediate(items);
    } catch (err) {
      for (const item of items) item.reject(err);
      return;
    }
    items.forEach((item, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.err);
    });
  };

  return {
    run<T>(write: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        if (queue.length === 0) setImmediate(flush);
        queue.push({ write, resolve: resolve as (value: unknown) => void, reject });
      });
    },
  };
}
