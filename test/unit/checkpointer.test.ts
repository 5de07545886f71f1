/**
 * SQLite's checkpoints on their own thread (src/db/sqlite/checkpointer.ts): under writes the WAL
 * is copied into the database file without the main connection's autocheckpoint (raised to a
 * backstop the writes below stay under), so the WAL keeps restarting instead of growing; and
 * stopping closes the thread's connection, so the main one's close still removes the WAL.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BACKSTOP_AUTOCHECKPOINT, startCheckpointer } from '../../src/db/sqlite/checkpointer.js';
import { openSqlite } from '../../src/db/sqlite/database.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('SQLite checkpointer thread', () => {
  it('copies the WAL into the database while writes go on, below the backstop, and its stop lets close remove the WAL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'checkpointer-'));
    dirs.push(dir);
    const path = join(dir, 'retouch.db');
    const db = openSqlite(path);
    const checkpointer = startCheckpointer(db);
    await checkpointer.ready;
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(BACKSTOP_AUTOCHECKPOINT);
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const insert = db.prepare('INSERT INTO inline_blobs (key, data) VALUES (?, ?)');
    const blob = Buffer.alloc(40_000, 7);
    // ~3,000 pages in 30 commits: under the backstop, so only the thread can checkpoint. After
    // each commit, the data reaches the database file without the main connection's doing...
    let walPeak = 0;
    for (let i = 0; i < 30; i++) {
      db.transaction(() => {
        for (let j = 0; j < 10; j++) insert.run(`ws/results/aa/t${i}-${j}.0.png`, blob);
      })();
      walPeak = Math.max(walPeak, statSync(`${path}-wal`).size);
      await expect.poll(() => statSync(path).size, { timeout: 10_000, interval: 20 }).toBeGreaterThan((i + 1) * 10 * blob.length);
    }
    const written = 300 * blob.length;
    expect(written / pageSize).toBeLessThan(BACKSTOP_AUTOCHECKPOINT);
    // ...and the WAL restarts at the front instead of holding every write (a commit is ~100 pages).
    expect(walPeak).toBeLessThan(written / 4);

    await checkpointer.stop();
    db.close();
    // The last connection to close checkpoints and deletes the WAL: the thread's was closed.
    expect(existsSync(`${path}-wal`)).toBe(false);
  });
});
