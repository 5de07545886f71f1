-- 5: Webhook endpoints, callbacks and the delivery outbox (the same tables on both databases).
--
-- The outbox is filled by a trigger on `tasks.status`: every status change that is a webhook
-- event (RUNNING, SUCCEEDED, FAILED, CANCELED) inserts one delivery row per matching endpoint
-- of the workspace (and, for the final states, one for the task's callback URL) in the very
-- statement, hence the very transaction, that changes the status. No code path (settle, cancel,
-- crash recovery, a future one) can change a task's state without enqueuing its deliveries, and
-- a crash either loses both or neither.
--
-- `events` holds the endpoint's filter as space-delimited text, " task.succeeded task.failed "
-- (or "*"), so one `instr`/`strpos` matches it on both databases.
-- A delivery's id (the `webhook-id` header) is drawn once, here, and never changes: retries
-- and a restart resend the same id, so receivers can deduplicate.
-- Event times come from the task row (written with the service's clock), not the database's.
-- Released: never edit; add a new numbered file instead.
  CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    description TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX webhook_endpoints_workspace ON webhook_endpoints (workspace_id);
  CREATE TABLE webhook_secrets (
    workspace_id TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE task_callbacks (
    task_id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    url TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    endpoint_id TEXT,
    url TEXT NOT NULL,
    task_id TEXT,
    event_type TEXT NOT NULL,
    event_time INTEGER NOT NULL,
    payload TEXT,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    locked_by TEXT,
    locked_until INTEGER,
    last_status INTEGER,
    last_error TEXT,
    last_attempt_at INTEGER,
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
  CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at);
  CREATE INDEX webhook_deliveries_age ON webhook_deliveries (created_at);
  CREATE TABLE webhook_attempts (
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    status INTEGER,
    error TEXT,
    PRIMARY KEY (delivery_id, attempt)
  ) STRICT;
  CREATE TRIGGER tasks_webhooks AFTER UPDATE OF status ON tasks
  WHEN OLD.status IS NOT NEW.status AND NEW.status IN ('RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELED')
  BEGIN
    INSERT INTO webhook_deliveries (id, workspace_id, endpoint_id, url, task_id, event_type, event_time, state, next_attempt_at, created_at)
      SELECT 'msg_' || lower(hex(randomblob(16))), e.workspace_id, e.id, e.url, NEW.id, 'task.' || lower(NEW.status),
             coalesce(CASE WHEN NEW.status = 'RUNNING' THEN NEW.scheduled_time ELSE NEW.end_time END, NEW.submit_time), 'pending', coalesce(CASE WHEN NEW.status = 'RUNNING' THEN NEW.scheduled_time ELSE NEW.end_time END, NEW.submit_time), coalesce(CASE WHEN NEW.status = 'RUNNING' THEN NEW.scheduled_time ELSE NEW.end_time END, NEW.submit_time)
      FROM webhook_endpoints e
      WHERE e.workspace_id = NEW.workspace_id
        AND (e.events = '*' OR instr(e.events, ' task.' || lower(NEW.status) || ' ') > 0);
    INSERT INTO webhook_deliveries (id, workspace_id, endpoint_id, url, task_id, event_type, event_time, state, next_attempt_at, created_at)
      SELECT 'msg_' || lower(hex(randomblob(16))), c.workspace_id, NULL, c.url, NEW.id, 'task.' || lower(NEW.status),
             coalesce(CASE WHEN NEW.status = 'RUNNING' THEN NEW.scheduled_time ELSE NEW.end_time END, NEW.submit_time), 'pending', coalesce(CASE WHEN NEW.status = 'RUNNING' THEN NEW.scheduled_time ELSE NEW.end_time END, NEW.submit_time), coalesce(CASE WHEN NEW.status = 'RUNNING' THEN NEW.scheduled_time ELSE NEW.end_time END, NEW.submit_time)
      FROM task_callbacks c
      WHERE c.task_id = NEW.id AND NEW.status IN ('SUCCEEDED', 'FAILED', 'CANCELED');
  END;
