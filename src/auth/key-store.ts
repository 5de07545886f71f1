/**
 * API keys and the workspaces they belong to. A key is shown once, when created; only its
 * SHA-256 is stored (keys are 192-bit random, so a fast hash is enough: there is nothing to
 * brute-force), and lookups compare hashes in constant time.
 *
 * Two layers: KeyStore (what the API and the CLI use) keeps the rules, secrets, hashing, the
 * hint, revocation; KeyRepository (adapters under ./sqlite and ./postgres) stores rows.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

export const DEFAULT_WORKSPACE = 'default';

export interface ApiKeyInfo {
  readonly id: string;
  readonly workspaceId: string;
  readonly name: string;
  /** The first and last characters, to recognise a key in listings. */
  readonly hint: string;
  readonly createdAt: number;
  readonly revokedAt: number | undefined;
  /** Admin keys may also call the admin API (`/api/v1/admin/…`): every workspace's keys and usage. */
  readonly admin: boolean;
}

export interface KeyStore {
  /** Stores a key (a new random one unless `secret` is given) and returns it with its info. */
  create(options: { workspaceId: string; name?: string; secret?: string; admin?: boolean; now: number }): Promise<{ secret: string; info: ApiKeyInfo }>;
  /** The active key matching this secret, if any. */
  authenticate(secret: string): Promise<ApiKeyInfo | undefined>;
  list(): Promise<ApiKeyInfo[]>;
  /** Revokes by id; false when there is no such active key. */
  revoke(id: string, now: number): Promise<boolean>;
}

/** A key as stored: its hash, never the secret. */
export interface NewKeyRow {
  readonly id: string;
  readonly workspaceId: string;
  readonly name: string;
  readonly hash: string;
  readonly hint: string;
  readonly createdAt: number;
  readonly admin: boolean;
}

/**
 * The KeyRepository port: the `api_keys` rows. Contract (test/contracts/key-store.contract.ts
 * runs the KeyStore over each adapter):
 * - `upsert` inserts the row; a row with the same hash already there is kept (its id, name and
 *   workspace unchanged) except that `admin: true` makes it an admin key (never the reverse),
 *   atomically, so that nodes starting together with the same configured key keep one row;
 * - `findByHash` reads revoked rows too (the caller decides).
 */
export interface KeyRepository {
  upsert(row: NewKeyRow): Promise<void>;
  findByHash(hash: string): Promise<ApiKeyRow | undefined>;
  /** Every key, oldest first. */
  list(): Promise<ApiKeyRow[]>;
  /** Sets revoked_at on an active key; false when there is no such active key. */
  revoke(id: string, now: number): Promise<boolean>;
}

export function createKeyStore(repository: KeyRepository): KeyStore {
  return {
    async create({ workspaceId, name, secret, admin, now }) {
      const key = secret ?? newApiKeySecret();
      const hash = hashApiKey(key);
      // The same secret configured again (RETOUCH_API_KEY on every start, on every node) keeps
      // its row; asked for as an admin key, it becomes one (a key configured before the admin role existed).
      await repository.upsert({
        id: `key-${randomUUID().slice(0, 8)}`,
        workspaceId,
        name: name ?? '',
        hash,
        hint: keyHint(key),
        createdAt: now,
        admin: admin === true,
      });
      return { secret: key, info: toApiKeyInfo((await repository.findByHash(hash))!) };
    },
    async authenticate(secret) {
      const hash = hashApiKey(secret);
      const row = await repository.findByHash(hash);
      if (!row || !hashesEqual(row.hash, hash) || row.revoked_at !== null) return undefined;
      return toApiKeyInfo(row);
    },
    async list() {
      return (await repository.list()).map(toApiKeyInfo);
    },
    revoke: (id, now) => repository.revoke(id, now),
  };
}

function newApiKeySecret(): string {
  return `sk-${randomBytes(24).toString('hex')}`;
}

export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

function hashesEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a, 'hex');
  const bb = Buffer.from(b, 'hex');
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

function keyHint(secret: string): string {
  return `${secret.slice(0, 5)}…${secret.slice(-4)}`;
}

/** The `api_keys` row both SQL adapters read. */
export interface ApiKeyRow {
  id: string;
  workspace_id: string;
  name: string;
  hash: string;
  hint: string;
  created_at: number;
  revoked_at: number | null;
  /** 0/1 in SQLite, a boolean in PostgreSQL. */
  admin: number | boolean;
}

const toApiKeyInfo = (row: ApiKeyRow): ApiKeyInfo => ({
  id: row.id,
  workspaceId: row.workspace_id,
  name: row.name,
  hint: row.hint,
  createdAt: row.created_at,
  revokedAt: row.revoked_at ?? undefined,
  admin: Boolean(row.admin),
});
