/**
 * API keys and the workspaces they belong to. A key is shown once, when created; only its
 * SHA-256 is stored (keys are 192-bit random, so a fast hash is enough: there is nothing to
 * brute-force), and lookups compare hashes in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

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

export function newApiKeySecret(): string {
  return `sk-${randomBytes(24).toString('hex')}`;
}

export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function hashesEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a, 'hex');
  const bb = Buffer.from(b, 'hex');
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

export function keyHint(secret: string): string {
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

export const toApiKeyInfo = (row: ApiKeyRow): ApiKeyInfo => ({
  id: row.id,
  workspaceId: row.workspace_id,
  name: row.name,
  hint: row.hint,
  createdAt: row.created_at,
  revokedAt: row.revoked_at ?? undefined,
  admin: Boolean(row.admin),
});
