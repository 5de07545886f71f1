-- 6: The admin role (src/api/routes/admin.ts). The oldest key is the one the server made (or
-- was configured with) at first start, which is an admin key from now on.
-- Released: never edit; add a new numbered file instead.
ALTER TABLE api_keys ADD COLUMN admin BOOLEAN NOT NULL DEFAULT false;
   UPDATE api_keys SET admin = true WHERE id = (SELECT id FROM api_keys ORDER BY created_at, id LIMIT 1);
   CREATE INDEX tasks_usage ON tasks (submit_time);
