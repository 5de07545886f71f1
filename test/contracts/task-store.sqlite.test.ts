import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite, type SqliteDatabase } from '../../src/db/sqlite/database.js';
import { createSqliteTaskStore } from '../../src/tasks/sqlite/sqlite-task-store.js';
import { describeTaskStoreContract, type StoreHarness } from './task-store.contract.js';
import { describeUpstreamStateContract } from './upstream-state.contract.js';

let dir: string | undefined;
let db: SqliteDatabase | undefined;

const harness: StoreHarness = {
  async open() {
    dir = mkdtempSync(join(tmpdir(), 'store-'));
    db = openSqlite(join(dir, 'retouch.db'));
    return createSqliteTaskStore(db);
  },
  async cleanup() {
    db?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  },
};

describeTaskStoreContract('SQLite', harness);
describeUpstreamStateContract('SQLite', harness);
