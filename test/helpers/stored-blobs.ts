/**
 * Every blob an embedded data dir holds, by key, wherever it is: a row of `inline_blobs` in
 * retouch.db (blobs up to 64 KiB, src/blobs/sqlite/sqlite-inline-blobs.ts) or a file under blobs/.
 * Read from outside the server (a read-only connection), as an operator's tools would.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';

function filesUnder(root: string, dir = root): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(root, join(dir, entry.name)) : [relative(root, join(dir, entry.name))],
  );
}

export function storedBlobKeys(dataDir: string): string[] {
  const db = new Database(join(dataDir, 'retouch.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare<[], string>('SELECT key FROM inline_blobs').pluck().all();
    return [...rows, ...filesUnder(join(dataDir, 'blobs'))].sort();
  } finally {
    db.close();
  }
}
