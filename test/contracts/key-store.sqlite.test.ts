import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteKeyStore } from '../../src/auth/sqlite-key-store.js';
import { openSqlite, type SqliteDatabase } from '../../src/db/sqlite/database.js';
import { describeKeyStoreContract } from './key-store.contract.js';

let dir: string | undefined;
let db: SqliteDatabase | undefined;

describeKeyStoreContract('SQLite', {
  async open() {
    dir = mkdtempSync(join(tmpdir(), 'keys-'));
    db = openSqlite(join(dir, 'retouch.db'));
    return createSqliteKeyStore(db);
  },
  async cleanup() {
    db?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  },
});
