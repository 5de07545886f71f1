-- 2: Temporary uploads (src/uploads): oss://<key> inputs, bound to a workspace, kept 48 h.
-- Released: never edit; add a new numbered file instead.
CREATE TABLE uploads (
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
   CREATE INDEX uploads_workspace ON uploads (workspace_id, expires_at);
