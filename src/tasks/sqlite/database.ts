/**
 * Opens the embedded SQLite database (one file in the data dir) and applies migrations.
 *
 * WAL lets readers (GET /tasks) proceed while a writer commits. `synchronous` defaults to NORMAL:
 * in WAL mode a commit survives a process crash (SIGKILL) but the last commits may be lost on
 * power failure; FULL also survives power loss at the cost of an fsync per commit.
 */
import Database from 'better-sqlite3';
import { SQLITE_WEBHOOK_MIGRATION } from '../../webhooks/migrations.js';
import { assertSchemaNotNewer } from '../schema-version.js';

export type SqliteDatabase = Database.Database;

/** One entry per schema version, applied in order; append only (the version is the length). */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE tasks (
     id TEXT PRIMARY KEY,
     workspace_id TEXT NOT NULL,
     api_key_id TEXT NOT NULL,
     request_id TEXT NOT NULL,
     model TEXT NOT NULL,
     status TEXT NOT NULL,
     prompt TEXT NOT NULL,
     negative_prompt TEXT NOT NULL,
     n INTEGER NOT NULL,
     size TEXT,
     seed INTEGER NOT NULL,
     prompt_extend INTEGER NOT NULL,
     watermark INTEGER NOT NULL,
     input_keys TEXT NOT NULL,
     submit_time INTEGER NOT NULL,
     scheduled_time INTEGER,
     end_time INTEGER,
     results TEXT NOT NULL,
     code TEXT,
     message TEXT,
     attempts INTEGER NOT NULL DEFAULT 0,
     worker_id TEXT,
     lease_until INTEGER,
     expires_at INTEGER NOT NULL
   ) STRICT;
   CREATE INDEX tasks_queue ON tasks (status, submit_time) WHERE status IN ('PENDING', 'RUNNING');
   CREATE INDEX tasks_workspace ON tasks (workspace_id, submit_time);
   CREATE INDEX tasks_expiry ON tasks (expires_at);
   CREATE INDEX tasks_running ON tasks (workspace_id) WHERE status = 'RUNNING';
   CREATE TABLE api_keys (
     id TEXT PRIMARY KEY,
     workspace_id TEXT NOT NULL,
     name TEXT NOT NULL,
     hash TEXT NOT NULL UNIQUE,
     hint TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     revoked_at INTEGER
   ) STRICT;`,
  // 2: temporary uploads (src/uploads): oss://<key> inputs, bound to a workspace, kept 48 h.
  `CREATE TABLE uploads (
     key TEXT PRIMARY KEY,
     workspace_id TEXT NOT NULL,
     model TEXT NOT NULL,
     blob_key TEXT NOT NULL,
     size INTEGER NOT NULL,
     content_type TEXT NOT NULL,
     sha256 TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL
   ) STRICT;
   CREATE INDEX uploads_expiry ON uploads (expires_at);
   CREATE INDEX uploads_workspace ON uploads (workspace_id, expires_at);`,
  // 3: routing (issue 10): the engine that ran the task, and the upstream task it waits on
  // (JSON {route, id, status, submittedAt}), stored before any wait so a restart resumes it.
  `ALTER TABLE tasks ADD COLUMN engine TEXT;
   ALTER TABLE tasks ADD COLUMN upstream TEXT;`,
  // 4: push (src/tasks/task-feed.ts) and idempotent creation. `revision` is a database-wide
  // change counter stamped on a task whenever its state or a result changes: SSE event ids, and
  // "what changed since id N" on resume. A counter row, not max(revision), so that reaping the
  // newest task never hands out an id twice.
  `ALTER TABLE tasks ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
   CREATE TABLE task_revision (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL) STRICT;
   INSERT INTO task_revision (id, value) VALUES (1, 0);
   CREATE TRIGGER tasks_revision_insert AFTER INSERT ON tasks BEGIN
     UPDATE task_revision SET value = value + 1;
     UPDATE tasks SET revision = (SELECT value FROM task_revision) WHERE id = NEW.id;
   END;
   CREATE TRIGGER tasks_revision_update AFTER UPDATE OF status, results ON tasks
     WHEN OLD.status IS NOT NEW.status OR OLD.results IS NOT NEW.results BEGIN
     UPDATE task_revision SET value = value + 1;
     UPDATE tasks SET revision = (SELECT value FROM task_revision) WHERE id = NEW.id;
   END;
   CREATE INDEX tasks_workspace_revision ON tasks (workspace_id, revision);
   -- Idempotency-Key on create: one task per (workspace, key) for 24 h.
   CREATE TABLE idempotency_keys (
     workspace_id TEXT NOT NULL,
     key TEXT NOT NULL,
     fingerprint TEXT NOT NULL,
     task_id TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     PRIMARY KEY (workspace_id, key)
   ) STRICT;
   CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);`,
  // 5: webhook endpoints, callbacks and the delivery outbox (src/webhooks/migrations.ts).
  SQLITE_WEBHOOK_MIGRATION,
  // 6: the admin role (src/api/routes/admin.ts). The oldest key is the one the server made (or
  // was configured with) at first start, which is an admin key from now on.
  `ALTER TABLE api_keys ADD COLUMN admin INTEGER NOT NULL DEFAULT 0;
   UPDATE api_keys SET admin = 1 WHERE id = (SELECT id FROM api_keys ORDER BY created_at, id LIMIT 1);
   CREATE INDEX tasks_usage ON tasks (submit_time);`,
  // 7: fair claims (issue 9): each workspace's last turn, for round-robin between workspaces.
  `CREATE TABLE workspace_turns (
     workspace_id TEXT PRIMARY KEY,
     last_claim INTEGER NOT NULL
   ) STRICT;
   CREATE INDEX workspace_turns_order ON workspace_turns (last_claim);
   CREATE INDEX tasks_pending_workspace ON tasks (workspace_id, submit_time, id) WHERE status = 'PENDING';`,
];

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
