-- 8: Nothing to change on SQLite. Migration 8 makes PostgreSQL's claim one server-side call
-- (claim_task), so that its workspace lock is not held across round trips, and has its outbox
-- trigger announce queued deliveries; SQLite serialises every writer, its claim was one
-- statement already (src/tasks/sqlite/sqlite-task-queue.ts), and its events are in-process.
-- The version is kept in step with PostgreSQL's, so both dialects hold the same numbered files.
-- Released: never edit; add a new numbered file instead.
SELECT 1;
