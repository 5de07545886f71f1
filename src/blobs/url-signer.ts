/**
 * HMAC-signed download links for blobs served by retouch itself, in the shape of the OSS links
 * DashScope returns: `<base>/files/<key>?Expires=<epoch s>&OSSAccessKeyId=<key id>&Signature=<b64url>`.
 *
 * Rotation: the newest key signs; every key in the set verifies, so links signed before a
 * rotation keep working until they expire. Keys live in `<data dir>/signing-keys.json`.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

export interface SigningKey {
  readonly id: string;
  readonly secret: string;
  readonly createdAt: number;
}

export type VerifyResult = { ok: true } | { ok: false; reason: 'missing' | 'expired' | 'invalid' };

export interface UrlSigner {
  sign(key: string, expiresAt: number): string;
  verify(key: string, query: Record<string, unknown>, now: number): VerifyResult;
}

function mac(secret: string, key: string, expires: string): string {
  return createHmac('sha256', secret).update(`GET\n${expires}\n/${key}`).digest('base64url');
}

/** `baseUrl` is read when signing, as the port may only be known once the server listens. */
export function createUrlSigner(baseUrl: () => string, keys: readonly SigningKey[]): UrlSigner {
  if (keys.length === 0) throw new Error('at least one signing key is required');
  const current = keys.reduce((a, b) => (b.createdAt > a.createdAt ? b : a));
  const byId = new Map(keys.map((k) => [k.id, k]));
  const encodedPath = (key: string) => key.split('/').map(encodeURIComponent).join('/');

  return {
    sign(key, expiresAt) {
      const expires = String(Math.floor(expiresAt / 1000));
      const sig = mac(current.secret, key, expires);
      return `${baseUrl()}/files/${encodedPath(key)}?Expires=${expires}&OSSAccessKeyId=${current.id}&Signature=${sig}`;
    },
    verify(key, query, now) {
      const { Expires: expires, OSSAccessKeyId: keyId, Signature: signature } = query;
      if (typeof expires !== 'string' || typeof keyId !== 'string' || typeof signature !== 'string') {
        return { ok: false, reason: 'missing' };
      }
      const signing = byId.get(keyId);
      if (!signing || !/^\d{1,12}$/.test(expires)) return { ok: false, reason: 'invalid' };
      const expected = Buffer.from(mac(signing.secret, key, expires));
      const given = Buffer.from(signature);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'invalid' };
      // Checked after the signature, so that a forged Expires is reported as tampering.
      if (Number(expires) * 1000 <= now) return { ok: false, reason: 'expired' };
      return { ok: true };
    },
  };
}

export const newSigningKey = (now: number): SigningKey => ({
  id: `rk${now.toString(36)}${randomBytes(3).toString('hex')}`,
  secret: randomBytes(32).toString('base64url'),
  createdAt: now,
});

/** Reads the key file, creating it with one key on first use. */
export function loadSigningKeys(path: string, now: number): SigningKey[] {
  if (existsSync(path)) {
    const keys = JSON.parse(readFileSync(path, 'utf8')) as SigningKey[];
    if (Array.isArray(keys) && keys.length > 0) return keys;
  }
  const keys = [newSigningKey(now)];
  writeKeys(path, keys);
  return keys;
}

/**
 * Adds a new signing key. Keys older than `keepMs` (the longest a link can live) are dropped,
 * as no valid link can still carry them. Running servers pick the new key up on restart.
 */
export function rotateSigningKeys(path: string, now: number, keepMs: number): SigningKey[] {
  const kept = loadSigningKeys(path, now).filter((k) => now - k.createdAt < keepMs);
  const keys = [...kept, newSigningKey(now)];
  writeKeys(path, keys);
  return keys;
}

function writeKeys(path: string, keys: readonly SigningKey[]): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(keys, null, 2), { mode: 0o600 });
  renameSync(tmp, path);
}
