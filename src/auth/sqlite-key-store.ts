import { randomUUID } from 'node:crypto';
import type { SqliteDatabase } from '../db/sqlite/database.js';
import { hashApiKey, hashesEqual, keyHint, newApiKeySecret, toApiKeyInfo, type ApiKeyRow, type KeyStore } from './key-store.js';

export function createSqliteKeyStore(db: SqliteDatabase): KeyStore {
  const insert = db.prepare(
    'INSERT INTO api_keys (id, workspace_id, name, hash, hint, created_at, admin) VALUES (?, ?, ?, ?, ?, ?, ?)' +
      ' ON CONFLICT (hash) DO UPDATE SET admin = max(admin, excluded.admin)',
  );
  const byHash = db.prepare<[string], ApiKeyRow>('SELECT * FROM api_keys WHERE hash = ?');
  const all = db.prepare<[], ApiKeyRow>('SELECT * FROM api_keys ORDER BY created_at, id');
  const revoke = db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');

  return {
    async create({ workspaceId, name, secret, admin, now }) {
      const key = secret ?? newApiKeySecret();
      const hash = hashApiKey(key);
      insert.run(`key-${randomUUID().slice(0, 8)}`, workspaceId, name ?? '', hash, keyHint(key), now, admin ? 1 : 0);
      // ON CONFLICT: the same secret configured again (RETOUCH_API_KEY on every start) keeps its row;
      // asked for as an admin key, it becomes one (a key configured before the admin role existed).
      return { secret: key, info: toApiKeyInfo(byHash.get(hash)!) };
    },
    async authenticate(secret) {
      const hash = hashApiKey(secret);
      const row = byHash.get(hash);
      if (!row || !hashesEqual(row.hash, hash) || row.revoked_at !== null) return undefined;
      return toApiKeyInfo(row);
    },
    async list() {
      return all.all().map(toApiKeyInfo);
    },
    async revoke(id, now) {
      return revoke.run(now, id).changes === 1;
    },
  };
}
