/**
 * PostgreSQL schema, one entry per version (applied in order, never edited once released:
 * add a new entry instead). The tables mirror SQLite's (src/tasks/sqlite/database.ts).
 */
import { POSTGRES_WEBHOOK_MIGRATION } from '../../webhooks/migrations.js';

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
     seed BIGINT NOT NULL,
     prompt_extend BOOLEAN NOT NULL,
     watermark BOOLEAN NOT NULL,
     input_keys JSONB NOT NULL,
     submit_time BIGINT NOT NULL,
     scheduled_time BIGINT,
     end_time BIGINT,
     results JSONB NOT NULL,
     code TEXT,
     message TEXT,
     attempts INTEGER NOT NULL DEFAULT 0,
     worker_id TEXT,
     lease_until BIGINT,
     expires_at BIGINT NOT NULL
   );
   -- claim: the oldest PENDING task; small, as finished tasks leave it.
   CREATE INDEX tasks_pending ON tasks (submit_time, id) WHERE status = 'PENDING';
   -- claim's per-workspace running count, and recovery's scan for expired leases.
   CREATE INDEX tasks_running ON tasks (workspace_id) WHERE status = 'RUNNING';
   CREATE INDEX tasks_leases ON tasks (lease_until) WHERE status = 'RUNNING';
   -- list: one workspace, newest first, filtered by submit_time.
   CREATE INDEX tasks_workspace ON tasks (workspace_id, submit_time DESC, id DESC);
   -- the reaper.
   CREATE INDEX tasks_expiry ON tasks (expires_at);

   -- Wake-ups (see task-events.ts): idle workers on every node learn that a task can be
   -- claimed, API nodes that one finished. One channel per schema, so that deployments (and
   -- tests) sharing a database stay apart. Identical payloads in one transaction are sent once.
   CREATE FUNCTION retouch_notify_task() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF NEW.status = 'PENDING' THEN
       PERFORM pg_notify('retouch:' || TG_TABLE_SCHEMA, 'available');
     ELSIF NEW.status IN ('SUCCEEDED', 'FAILED', 'CANCELED') THEN
       PERFORM pg_notify('retouch:' || TG_TABLE_SCHEMA, 'settled:' || NEW.id);
     END IF;
     RETURN NULL;
   END $$;
   CREATE TRIGGER tasks_notify_insert AFTER INSERT ON tasks
     FOR EACH ROW EXECUTE FUNCTION retouch_notify_task();
   CREATE TRIGGER tasks_notify_status AFTER UPDATE OF status ON tasks
     FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION retouch_notify_task();

   CREATE TABLE api_keys (
     id TEXT PRIMARY KEY,
     workspace_id TEXT NOT NULL,
     name TEXT NOT NULL,
     hash TEXT NOT NULL UNIQUE,
     hint TEXT NOT NULL,
     created_at BIGINT NOT NULL,
     revoked_at BIGINT
   );

   -- Keys that sign result links (local-disk blobs) and upload policies: every API node must
   -- verify what any other signed, so they live here rather than in each node's data dir.
   CREATE TABLE signing_keys (
     id TEXT PRIMARY KEY,
     secret TEXT NOT NULL,
     created_at BIGINT NOT NULL
   );

   -- Rate limiting (GCRA, see limits/rate-limiter.ts): one theoretical arrival time per key.
   CREATE TABLE rate_limits (
     key TEXT PRIMARY KEY,
     tat DOUBLE PRECISION NOT NULL
   );`,
  // 2: temporary uploads (src/uploads): oss://<key> inputs, bound to a workspace, kept 48 h.
  `CREATE TABLE uploads (
     key TEXT PRIMARY KEY,
     workspace_id TEXT NOT NULL,
     model TEXT NOT NULL,
     blob_key TEXT NOT NULL,
     size BIGINT NOT NULL,
     content_type TEXT NOT NULL,
     sha256 TEXT NOT NULL,
     created_at BIGINT NOT NULL,
     expires_at BIGINT NOT NULL
   );
   CREATE INDEX uploads_expiry ON uploads (expires_at);
   CREATE INDEX uploads_workspace ON uploads (workspace_id, expires_at);`,
  // 3: routing (issue 10): the engine that ran the task, and the upstream task it waits on
  // ({route, id, status, submittedAt}), stored before any wait so a restart resumes it.
  `ALTER TABLE tasks ADD COLUMN engine TEXT;
   ALTER TABLE tasks ADD COLUMN upstream JSONB;`,
  // 4: push (src/tasks/task-feed.ts) and idempotent creation. `revision` is stamped from one
  // sequence whenever a task's state or a result changes (SSE event ids, resume), and every such
  // change is announced as 'changed:<id>' on the schema's channel, so that an API node streams
  // progress made by a worker on another node.
  `ALTER TABLE tasks ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;
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
   CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);`,
  // 5: webhook endpoints, callbacks and the delivery outbox (src/webhooks/migrations.ts).
  POSTGRES_WEBHOOK_MIGRATION,
  // 6: the admin role (src/api/routes/admin.ts). The oldest key is the one the server made (or
  // was configured with) at first start, which is an admin key from now on.
  `ALTER TABLE api_keys ADD COLUMN admin BOOLEAN NOT NULL DEFAULT false;
   UPDATE api_keys SET admin = true WHERE id = (SELECT id FROM api_keys ORDER BY created_at, id LIMIT 1);
   CREATE INDEX tasks_usage ON tasks (submit_time);`,
  // 7: fair claims (issue 9): each workspace's last turn, for round-robin between workspaces.
  `CREATE TABLE workspace_turns (
     workspace_id TEXT PRIMARY KEY,
     last_claim BIGINT NOT NULL
   );
   CREATE SEQUENCE workspace_turn_seq;
   CREATE INDEX tasks_pending_workspace ON tasks (workspace_id, submit_time, id) WHERE status = 'PENDING';`,
];
