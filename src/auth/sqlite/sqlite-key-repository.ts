/** KeyRepository on the embedded SQLite database. */
import type { SqliteDatabase } from '../../db/sqlite/database.js';
import type { ApiKeyRow, KeyRepository } from '../key-store.js';

export function createSqliteKeyRepository(db: SqliteDatabase): KeyRepository {
  const upsert = db.prepare(
    'INSERT INTO api_keys (id, workspace_id, name, hash, hint, created_at, admin) VALUES (?, ?, ?, ?, ?, ?, ?)' +
      ' ON CONFLICT (hash) DO UPDATE SET admin = max(admin, excluded.admin)',
  );
  const byHash = db.prepare<[string], ApiKeyRow>('SELECT * FROM api_keys WHERE hash = ?');
  const all = db.prepare<[], ApiKeyRow>('SELECT * FROM api_keys ORDER BY created_at, id');
  const revoke = db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');

  return {
    async upsert(row) {
      upsert.run(row.id, row.workspaceId, row.name, row.hash, row.hint, row.createdAt, row.admin ? 1 : 0);
    },
    async findByHash(hash) {
      return byHash.get(hash);
    },
    async list() {
      return all.all();
    },
    async revoke(id, now) {
      return revoke.run(now, id).changes === 1;
    },
  };
}
