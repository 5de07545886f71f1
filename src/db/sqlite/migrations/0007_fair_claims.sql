-- 7: Fair claims (issue 9): each workspace's last turn, for round-robin between workspaces.
-- Released: never edit; add a new numbered file instead.
CREATE TABLE workspace_turns (
     workspace_id TEXT PRIMARY KEY,
     last_claim INTEGER NOT NULL
   ) STRICT;
   CREATE INDEX workspace_turns_order ON workspace_turns (last_claim);
   CREATE INDEX tasks_pending_workspace ON tasks (workspace_id, submit_time, id) WHERE status = 'PENDING';
