-- 4: Push (src/tasks/task-feed.ts) and idempotent creation. `revision` is a database-wide
-- change counter stamped on a task whenever its state or a result changes: SSE event ids, and
-- "what changed since id N" on resume. A counter row, not max(revision), so that reaping the
-- newest task never hands out an id twice.
-- Released: never edit; add a new numbered file instead.
ALTER TABLE tasks ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
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
   CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
