-- 7: Fair claims (issue 9): each workspace's last turn, for round-robin between workspaces.
-- Released: never edit; add a new numbered file instead.
CREATE TABLE workspace_turns (
     workspace_id TEXT PRIMARY KEY,
     last_claim BIGINT NOT NULL
   );
   CREATE SEQUENCE workspace_turn_seq;
   CREATE INDEX tasks_pending_workspace ON tasks (workspace_id, submit_time, id) WHERE status = 'PENDING';
