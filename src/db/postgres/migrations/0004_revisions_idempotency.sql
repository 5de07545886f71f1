-- 4: Push (src/tasks/task-feed.ts) and idempotent creation. `revision` is stamped from one
-- sequence whenever a task's state or a result changes (SSE event ids, resume), and every such
-- change is announced as 'changed:<id>' on the schema's channel, so that an API node streams
-- progress made by a worker on another node.
-- Released: never edit; add a new numbered file instead.
ALTER TABLE tasks ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;
   CREATE SEQUENCE task_revision;
   CREATE FUNCTION retouch_task_revision() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     NEW.revision := nextval(format('%I.task_revision', TG_TABLE_SCHEMA));
     RETURN NEW;
   END $$;
   CREATE TRIGGER tasks_revision_insert BEFORE INSERT ON tasks
     FOR EACH ROW EXECUTE FUNCTION retouch_task_revision();
   CREATE TRIGGER tasks_revision_update BEFORE UPDATE OF status, results ON tasks
     FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.results IS DISTINCT FROM NEW.results)
     EXECUTE FUNCTION retouch_task_revision();
   CREATE FUNCTION retouch_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     PERFORM pg_notify('retouch:' || TG_TABLE_SCHEMA, 'changed:' || NEW.id);
     RETURN NULL;
   END $$;
   CREATE TRIGGER tasks_notify_change_insert AFTER INSERT ON tasks
     FOR EACH ROW EXECUTE FUNCTION retouch_notify_change();
   CREATE TRIGGER tasks_notify_change_update AFTER UPDATE OF status, results ON tasks
     FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.results IS DISTINCT FROM NEW.results)
     EXECUTE FUNCTION retouch_notify_change();
   CREATE INDEX tasks_workspace_revision ON tasks (workspace_id, revision);
   -- Idempotency-Key on create: one task per (workspace, key) for 24 h. The key row and the
   -- task row are inserted in one transaction; the primary key makes concurrent twins lose.
   CREATE TABLE idempotency_keys (
     workspace_id TEXT NOT NULL,
     key TEXT NOT NULL,
     fingerprint TEXT NOT NULL,
     task_id TEXT NOT NULL,
     created_at BIGINT NOT NULL,
     expires_at BIGINT NOT NULL,
     PRIMARY KEY (workspace_id, key)
   );
   CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
