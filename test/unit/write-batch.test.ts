/** The SQLite write batch (src/db/sqlite/write-batch.ts): group commit, on a real database file. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite, type SqliteDatabase } from '../../src/db/sqlite/database.js';
import { writeBatchFor } from '../../src/db/sqlite/write-batch.js';

const dirs: string[] = [];
const open: SqliteDatabase[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'write-batch-'));
  dirs.push(dir);
  const path = join(dir, 'db.sqlite');
  const db = openSqlite(path);
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
  // A second connection, as another process would see the file.
  const other = new Database(path, { readonly: true });
  open.push(db, other as unknown as SqliteDatabase);
  const count = () => (other.prepare('SELECT count(*) AS c FROM t').get() as { c: number }).c;
  return { db, count, insert: db.prepare('INSERT INTO t (id, v) VALUES (?, ?)') };
}

describe('SQLite write batch', () => {
  it('runs the writes of one turn in one transaction, committed before any of them resolves', async () => {
    const { db, count, insert } = setup();
    const batch = writeBatchFor(db);
    expect(writeBatchFor(db)).toBe(batch); // one per database, shared by its adapters
    const seen: boolean[] = [];
    const writes = [1, 2, 3].map((id) =>
      batch.run(() => {
        seen.push(db.inTransaction);
        return insert.run(id, `v${id}`).changes;
      }),
    );
    // Queued, not yet run: nothing in the file.
    expect(count()).toBe(0);
    const first = await writes[0];
    // Resolved means committed: another connection sees all three.
    expect(count()).toBe(3);
    expect(first).toBe(1);
    expect(await Promise.all(writes)).toEqual([1, 1, 1]);
    expect(seen).toEqual([true, true, true]);
    expect(db.inTransaction).toBe(false);
  });

  it('rolls back and rejects a failing write alone; the others of its batch commit', async () => {
    const { db, count, insert } = setup();
    const batch = writeBatchFor(db);
    const outcomes = await Promise.allSettled([
      batch.run(() => insert.run(1, 'a')),
      batch.run(() => {
        insert.run(2, 'b'); // undone with its savepoint
        return insert.run(1, 'duplicate'); // PRIMARY KEY conflict
      }),
      batch.run(() => insert.run(3, 'c')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason.code).toBe('SQLITE_CONSTRAINT_PRIMARYKEY');
    expect(count()).toBe(2);
    expect(db.prepare('SELECT id FROM t ORDER BY id').all()).toEqual([{ id: 1 }, { id: 3 }]);
  });

  it('rejects every write of a batch that cannot commit, and none of them lands', async () => {
    const { db, count, insert } = setup();
    const batch = writeBatchFor(db);
    // A second writer holds the write lock past busy_timeout: the batch cannot begin.
    db.pragma('busy_timeout = 50');
    const locker = new Database(db.name);
    open.push(locker as unknown as SqliteDatabase);
    locker.exec('BEGIN IMMEDIATE');
    const outcomes = await Promise.allSettled([batch.run(() => insert.run(1, 'a')), batch.run(() => insert.run(2, 'b'))]);
    locker.exec('ROLLBACK');
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect((outcomes[0] as PromiseRejectedResult).reason.code).toBe('SQLITE_BUSY');
    expect(count()).toBe(0);
    // And the next batch works.
    await batch.run(() => insert.run(3, 'c'));
    expect(count()).toBe(1);
  });
});
