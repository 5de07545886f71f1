-- 1: Tasks (the queue) and API keys.
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
   ) STRICT;
