import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite, type SqliteDatabase } from '../../src/tasks/sqlite/database.js';
import { createSqliteTaskStore } from '../../src/tasks/sqlite/sqlite-task-store.js';
import { describeTaskStoreContract } from './task-store.contract.js';

let dir: string | undefined;
let db: SqliteDatabase | undefined;

describeTaskStoreContract('SQLite', {
  async open() {
    dir = mkdtempSync(join(tmpdir(), 'store-'));
    db = openSqlite(join(dir, 'retouch.db'));
    return createSqliteTaskStore(db);
  },
  async cleanup() {
    db?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  },
});
