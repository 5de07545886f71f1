import { randomUUID } from 'node:crypto';
import type { SqliteDatabase } from '../tasks/sqlite/database.js';
import { hashApiKey, hashesEqual, keyHint, newApiKeySecret, type ApiKeyInfo, type KeyStore } from './key-store.js';

interface Row {
  id: string;
  workspace_id: string;
  name: string;
  hash: string;
  hint: string;
  created_at: number;
  revoked_at: number | null;
}

const toInfo = (row: Row): ApiKeyInfo => ({
  id: row.id,
  workspaceId: row.workspace_id,
  name: row.name,
  hint: row.hint,
  createdAt: row.created_at,
  revokedAt: row.revoked_at ?? undefined,
});

export function createSqliteKeyStore(db: SqliteDatabase): KeyStore {
  const insert = db.prepare(
    'INSERT INTO api_keys (id, workspace_id, name, hash, hint, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING',
  );
  const byHash = db.prepare<[string], Row>('SELECT * FROM api_keys WHERE hash = ?');
  const all = db.prepare<[], Row>('SELECT * FROM api_keys ORDER BY created_at, id');
  const revoke = db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');

  return {
    async create({ workspaceId, name, secret, now }) {
      const key = secret ?? newApiKeySecret();
      const hash = hashApiKey(key);
      insert.run(`key-${randomUUID().slice(0, 8)}`, workspaceId, name ?? '', hash, keyHint(key), now);
      // ON CONFLICT: the same secret configured again (RETOUCH_API_KEY on every start) keeps its row.
      return { secret: key, info: toInfo(byHash.get(hash)!) };
    },
    async authenticate(secret) {
      const hash = hashApiKey(secret);
      const row = byHash.get(hash);
      if (!row || !hashesEqual(row.hash, hash) || row.revoked_at !== null) return undefined;
      return toInfo(row);
    },
    async list() {
      return all.all().map(toInfo);
    },
    async revoke(id, now) {
      return revoke.run(now, id).changes === 1;
    },
  };
}
