-- 1: Tasks (the queue), API keys, the shared signing keys and rate-limit state.
-- Released: never edit; add a new numbered file instead.
CREATE TABLE tasks (
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
   );
