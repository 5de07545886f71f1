-- 8: Fewer round trips per task (issue 15).
-- (a) A task's claim as one server-side call. The claim takes its workspace's advisory lock and
--     holds it until COMMIT; done as several statements from the client, every claimer of the
--     workspace also waited for the claimer's round trips. In a function the lock is held for
--     the statement's execution only. See src/tasks/postgres/pg-task-queue.ts.
-- (b) A queued delivery (by the outbox trigger or the API) announces 'deliveries', and
--     dispatchers wake on that instead of on every settle (which had every node poll its
--     outbox for every task).
-- Released: never edit; add a new numbered file instead.
CREATE FUNCTION claim_task(max_running INTEGER, claimer TEXT, lease BIGINT, now_ms BIGINT)
   RETURNS SETOF tasks LANGUAGE plpgsql VOLATILE AS $fn$
   DECLARE
     candidate RECORD;
   BEGIN
     -- This transaction (the caller's one statement) commits without waiting for the WAL flush:
     -- a claim undone by a server crash is claimed again.
     PERFORM set_config('synchronous_commit', 'off', true);
     -- The fair pick: the workspaces with PENDING work and room under the cap, least recently
     -- served first (no turn yet = first; ties: the oldest waiting task); for them in that order
     -- the oldest PENDING task no concurrent claimer holds; the first found wins. The recursive
     -- CTE is a loose index scan over the pending index: O(workspaces with pending work).
     WITH RECURSIVE ws(id) AS (
         SELECT (SELECT min(workspace_id) FROM tasks WHERE status = 'PENDING')
         UNION ALL
         SELECT (SELECT min(workspace_id) FROM tasks WHERE status = 'PENDING' AND workspace_id > ws.id) FROM ws WHERE ws.id IS NOT NULL),
       ranked AS MATERIALIZED (
         SELECT ws.id, coalesce(t.last_claim, 0) AS turn,
           (SELECT min(submit_time) FROM tasks q WHERE q.workspace_id = ws.id AND q.status = 'PENDING') AS first_submit
         FROM ws LEFT JOIN workspace_turns t ON t.workspace_id = ws.id
         WHERE ws.id IS NOT NULL
           AND (SELECT count(*) FROM tasks r WHERE r.workspace_id = ws.id AND r.status = 'RUNNING') < max_running
         ORDER BY turn, first_submit, ws.id)
     SELECT p.id, p.workspace_id INTO candidate FROM ranked
     CROSS JOIN LATERAL (
       SELECT tasks.id, tasks.workspace_id FROM tasks
       WHERE tasks.workspace_id = ranked.id AND tasks.status = 'PENDING'
       ORDER BY tasks.submit_time, tasks.id LIMIT 1 FOR UPDATE SKIP LOCKED) p
     LIMIT 1;
     IF NOT FOUND THEN
       RETURN;
     END IF;
     -- 7302: LOCK_SPACE.workspace (src/db/postgres/transaction.ts). Held until COMMIT, so a
     -- claimer of the same workspace waiting here sees this claim in its recount below (each
     -- statement of a VOLATILE function takes a new snapshot under READ COMMITTED).
     PERFORM pg_advisory_xact_lock(7302, hashtext(candidate.workspace_id));
     RETURN QUERY
       WITH room AS (
         SELECT count(*) < max_running AS ok FROM tasks WHERE workspace_id = candidate.workspace_id AND status = 'RUNNING'),
       claimed AS (
         UPDATE tasks SET status = 'RUNNING', worker_id = claimer, lease_until = lease, attempts = attempts + 1, scheduled_time = now_ms
         WHERE tasks.id = candidate.id AND tasks.status = 'PENDING' AND (SELECT ok FROM room) RETURNING tasks.*),
       turn AS (
         INSERT INTO workspace_turns (workspace_id, last_claim)
         SELECT candidate.workspace_id, nextval('workspace_turn_seq') FROM claimed
         ON CONFLICT (workspace_id) DO UPDATE SET last_claim = excluded.last_claim)
       SELECT * FROM claimed;
     IF NOT FOUND THEN
       -- The workspace filled up while this claim waited for its lock: the caller looks again
       -- (in a new statement, so that this one's locks are released first).
       RAISE EXCEPTION 'workspace % is at its running cap', candidate.workspace_id USING ERRCODE = 'RT001';
     END IF;
   END
   $fn$;

CREATE FUNCTION retouch_notify_deliveries() RETURNS trigger LANGUAGE plpgsql AS $fn$
   BEGIN
     -- Once per transaction however many rows: identical notifications are folded at commit.
     PERFORM pg_notify('retouch:' || TG_TABLE_SCHEMA, 'deliveries');
     RETURN NULL;
   END
   $fn$;
CREATE TRIGGER webhook_deliveries_notify AFTER INSERT ON webhook_deliveries
   FOR EACH ROW EXECUTE FUNCTION retouch_notify_deliveries();
