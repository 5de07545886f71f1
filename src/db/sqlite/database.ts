/**
 * The embedded SQLite database (one file in the data dir): opened with its pragmas, migrated
 * forward at start-up. The adapters of every port (tasks, auth, uploads, webhooks) share it.
 *
 * WAL lets readers (GET /tasks) proceed while a writer commits. `synchronous` defaults to NORMAL:
 * in WAL mode a commit survives a process crash (SIGKILL) but the last commits may be lost on
 * power failure; FULL also survives power loss at the cost of an fsync per commit.
 */
import Database from 'better-sqlite3';
import { readMigrations } from '../migrations.js';
import { assertSchemaNotNewer } from '../schema-version.js';

export type SqliteDatabase = Database.Database;

/** One entry per schema version (./migrations/NNNN_name.sql), applied in order. */
export const MIGRATIONS: readonly string[] = readMigrations(new URL('./migrations/', import.meta.url));

export function openSqlite(path: string, synchronous: 'OFF' | 'NORMAL' | 'FULL' = 'NORMAL'): SqliteDatabase {
  const db = new Database(path);
  try {
    // Before WAL or any write: a newer data dir is refused untouched.
    assertSchemaNotNewer(`The database ${path}`, schemaVersion(db), MIGRATIONS.length);
  } catch (err) {
    db.close();
    throw err;
  }
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  // Several processes (serve + a CLI `keys` command) may write; wait instead of failing at once.
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

/** The schema version stored in the file (SQLite's user_version; 0 for a new file). */
export function schemaVersion(db: SqliteDatabase): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function migrate(db: SqliteDatabase): void {
  // BEGIN IMMEDIATE takes the write lock first, so two processes starting together cannot both
  // apply the same migration.
  db.transaction(() => {
    const current = schemaVersion(db);
    // Checked again under the lock: another process may have upgraded the file meanwhile.
    assertSchemaNotNewer(`The database ${db.name}`, current, MIGRATIONS.length);
    for (let version = current; version < MIGRATIONS.length; version++) {
      db.exec(MIGRATIONS[version]!);
    }
    if (current < MIGRATIONS.length) db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}
