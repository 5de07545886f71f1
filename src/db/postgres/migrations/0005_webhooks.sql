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
    created_at BIGINT NOT NULL
  );
  CREATE INDEX webhook_endpoints_workspace ON webhook_endpoints (workspace_id);
  CREATE TABLE webhook_secrets (
    workspace_id TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    created_at BIGINT NOT NULL
  );
  CREATE TABLE task_callbacks (
    task_id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    url TEXT NOT NULL,
    created_at BIGINT NOT NULL
  );
  CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    endpoint_id TEXT,
    url TEXT NOT NULL,
    task_id TEXT,
    event_type TEXT NOT NULL,
    event_time BIGINT NOT NULL,
    payload TEXT,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    locked_by TEXT,
    locked_until BIGINT,
    last_status INTEGER,
    last_error TEXT,
    last_attempt_at BIGINT,
    created_at BIGINT NOT NULL
  );
  CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
  CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at);
  CREATE INDEX webhook_deliveries_age ON webhook_deliveries (created_at);
  CREATE TABLE webhook_attempts (
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt INTEGER NOT NULL,
    started_at BIGINT NOT NULL,
    duration_ms INTEGER NOT NULL,
    status INTEGER,
    error TEXT,
    PRIMARY KEY (delivery_id, attempt)
  );
  CREATE FUNCTION retouch_enqueue_webhooks() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE
    v_type TEXT := 'task.' || lower(NEW.status);
    v_time BIGINT := coalesce(CASE WHEN NEW.status = 'RUNNING' THEN NEW.scheduled_time ELSE NEW.end_time END, NEW.submit_time);
  BEGIN
    INSERT INTO webhook_deliveries (id, workspace_id, endpoint_id, url, task_id, event_type, event_time, state, next_attempt_at, created_at)
      SELECT 'msg_' || replace(gen_random_uuid()::text, '-', ''), e.workspace_id, e.id, e.url, NEW.id, v_type,
             v_time, 'pending', v_time, v_time
      FROM webhook_endpoints e
      WHERE e.workspace_id = NEW.workspace_id AND (e.events = '*' OR strpos(e.events, ' ' || v_type || ' ') > 0);
    IF NEW.status IN ('SUCCEEDED', 'FAILED', 'CANCELED') THEN
      INSERT INTO webhook_deliveries (id, workspace_id, endpoint_id, url, task_id, event_type, event_time, state, next_attempt_at, created_at)
        SELECT 'msg_' || replace(gen_random_uuid()::text, '-', ''), c.workspace_id, NULL, c.url, NEW.id, v_type,
               v_time, 'pending', v_time, v_time
        FROM task_callbacks c WHERE c.task_id = NEW.id;
    END IF;
    RETURN NULL;
  END $$;
  CREATE TRIGGER tasks_webhooks AFTER UPDATE OF status ON tasks
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.status IN ('RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELED'))
    EXECUTE FUNCTION retouch_enqueue_webhooks();
