-- 9: A channel for worker nodes. Every task announces six things on the schema's channel
-- ('retouch:<schema>': available, changed:<id> on create, claim, result and settle, settled:<id>),
-- and every listening node receives all of them; a worker-only node needs just 'available' and
-- 'deliveries'. Those two now also go to 'rtw:<schema>', which worker-only nodes listen to
-- instead. The schema's channel keeps carrying everything, so nodes of the previous release
-- (listening there) hear what they did during a rolling upgrade. The prefix is shorter than
-- 'retouch:', so that a schema name that fits one channel name (63 bytes) fits both.
-- Released: never edit; add a new numbered file instead.
CREATE OR REPLACE FUNCTION retouch_notify_task() RETURNS trigger LANGUAGE plpgsql AS $fn$
   BEGIN
     IF NEW.status = 'PENDING' THEN
       PERFORM pg_notify('retouch:' || TG_TABLE_SCHEMA, 'available');
       PERFORM pg_notify('rtw:' || TG_TABLE_SCHEMA, 'available');
     ELSIF NEW.status IN ('SUCCEEDED', 'FAILED', 'CANCELED') THEN
       PERFORM pg_notify('retouch:' || TG_TABLE_SCHEMA, 'settled:' || NEW.id);
     END IF;
     RETURN NULL;
   END
   $fn$;
CREATE OR REPLACE FUNCTION retouch_notify_deliveries() RETURNS trigger LANGUAGE plpgsql AS $fn$
   BEGIN
     -- Once per transaction however many rows: identical notifications are folded at commit.
     PERFORM pg_notify('retouch:' || TG_TABLE_SCHEMA, 'deliveries');
     PERFORM pg_notify('rtw:' || TG_TABLE_SCHEMA, 'deliveries');
     RETURN NULL;
   END
   $fn$;
