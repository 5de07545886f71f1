-- 9: Small blobs (task inputs, results and uploads up to 64 KiB) are kept in the database
-- instead of a file each (src/blobs/sqlite/sqlite-inline-blobs.ts): a new file is an inode to
-- allocate, which on ext4 cost up to 1.3 ms of kernel time while files are also being deleted,
-- more than a row written in the write batch's commit (docs/benchmarks.md, stop 24). Larger
-- blobs stay files.
-- Released: never edit; add a new numbered file instead.
CREATE TABLE inline_blobs (
  key TEXT PRIMARY KEY,
  data BLOB NOT NULL
);
