-- 3: Routing (issue 10): the engine that ran the task, and the upstream task it waits on
-- ({route, id, status, submittedAt}), stored before any wait so a restart resumes it.
-- Released: never edit; add a new numbered file instead.
ALTER TABLE tasks ADD COLUMN engine TEXT;
   ALTER TABLE tasks ADD COLUMN upstream JSONB;
