-- 9: Nothing to change on PostgreSQL. Migration 9 gives SQLite a table for small blobs
-- (src/blobs/sqlite/sqlite-inline-blobs.ts); a shared deployment keeps every blob in its blob
-- store (local disk or S3), which every node reaches.
-- The version is kept in step with SQLite's, so both dialects hold the same numbered files.
-- Released: never edit; add a new numbered file instead.
SELECT 1;
