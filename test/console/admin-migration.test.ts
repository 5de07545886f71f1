/**
 * Upgrading a SQLite database made before the admin role: migration 3 adds the flag and makes
 * the oldest key (the one the server made or was configured with at first start) an admin key.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createKeyStore } from '../../src/auth/key-store.js';
import { createSqliteKeyRepository } from '../../src/auth/sqlite/sqlite-key-repository.js';
import { MIGRATIONS, openSqlite } from '../../src/db/sqlite/database.js';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('makes the first-start key an admin key when upgrading', async () => {
  dir = mkdtempSync(join(tmpdir(), 'admin-migration-'));
  const path = join(dir, 'retouch.db');
  const db = openSqlite(path);
  const keys = createKeyStore(createSqliteKeyRepository(db));
  const first = await keys.create({ workspaceId: 'default', name: 'first start', now: 1000 });
  const later = await keys.create({ workspaceId: 'team', name: 'later', now: 2000 });
  // Back to the schema before the admin migration (6), as an older retouch left it: undo the
  // migrations that follow it (9 inline blobs, 8 changes nothing on SQLite, 7 fair claims), then
  // the admin one.
  const admin = MIGRATIONS.findIndex((m) => m.includes('ADD COLUMN admin'));
  expect(admin).toBe(5);
  expect(MIGRATIONS.length).toBe(9);
  db.exec('DROP TABLE inline_blobs;');
  db.exec('DROP INDEX tasks_pending_workspace; DROP TABLE workspace_turns;');
  db.exec('DROP INDEX tasks_usage; ALTER TABLE api_keys DROP COLUMN admin;');
  db.pragma(`user_version = ${admin}`);
  db.close();

  const upgraded = openSqlite(path);
  try {
    expect(upgraded.pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(3);
    const listed = await createKeyStore(createSqliteKeyRepository(upgraded)).list();
    expect(listed.map((k) => [k.id, k.admin])).toEqual([
      [first.info.id, true],
      [later.info.id, false],
    ]);
  } finally {
    upgraded.close();
  }
});
