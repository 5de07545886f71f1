/**
 * Upload policies of the temporary-upload flow (protocol.md §6.2), in the shape of an OSS
 * POST policy: base64 JSON with an `expiration` and `conditions`, plus a signature.
 *
 * The signature is HMAC-SHA256 over the base64 policy with a result-link signing key (the key
 * id travels as `OSSAccessKeyId`), so `rotate-signing-key` rotates these too and a policy
 * signed before a rotation stays valid until it expires. The policy names the workspace and
 * the key prefix; since it is signed, the unauthenticated multipart POST that carries it can
 * only store files for that workspace, under that prefix, until the expiry.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SigningKey } from '../blobs/url-signer.js';

export interface PolicyClaims {
  readonly workspaceId: string;
  readonly model: string;
  /** Keys must start with `uploadDir + "/"`. */
  readonly uploadDir: string;
  readonly expiresAt: number;
  readonly maxBytes: number;
}

export interface SignedPolicy {
  readonly policy: string;
  readonly signature: string;
  readonly keyId: string;
}

export type PolicyVerdict = { ok: true; claims: PolicyClaims } | { ok: false; reason: 'invalid' | 'expired' };

export interface PolicySigner {
  sign(claims: PolicyClaims): SignedPolicy;
  verify(signed: SignedPolicy, now: number): PolicyVerdict;
}

const mac = (secret: string, policy: string) => createHmac('sha256', secret).update(`retouch-upload-policy\n${policy}`).digest('base64');

export function createPolicySigner(keys: readonly SigningKey[]): PolicySigner {
  if (keys.length === 0) throw new Error('at least one signing key is required');
  const current = keys.reduce((a, b) => (b.createdAt > a.createdAt ? b : a));
  const byId = new Map(keys.map((k) => [k.id, k]));

  return {
    sign(claims) {
      const document = {
        expiration: new Date(claims.expiresAt).toISOString(),
        conditions: [
          ['content-length-range', 0, claims.maxBytes],
          ['starts-with', '$key', `${claims.uploadDir}/`],
          { 'x-oss-object-acl': 'private' },
          { 'x-oss-forbid-overwrite': 'true' },
          { 'x-retouch-workspace': claims.workspaceId },
          { 'x-retouch-model': claims.model },
        ],
      };
      const policy = Buffer.from(JSON.stringify(document)).toString('base64');
      return { policy, signature: mac(current.secret, policy), keyId: current.id };
    },
    verify(signed, now) {
      const key = byId.get(signed.keyId);
      if (!key) return { ok: false, reason: 'invalid' };
      const expected = Buffer.from(mac(key.secret, signed.policy));
      const given = Buffer.from(signed.signature);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'invalid' };
      let claims: PolicyClaims;
      try {
        const doc = JSON.parse(Buffer.from(signed.policy, 'base64').toString('utf8')) as {
          expiration: string;
          conditions: Array<unknown[] | Record<string, string>>;
        };
        const field = (name: string) => doc.conditions.find((c): c is Record<string, string> => !Array.isArray(c) && name in c)?.[name];
        const range = doc.conditions.find((c) => Array.isArray(c) && c[0] === 'content-length-range') as [string, number, number];
        const prefix = doc.conditions.find((c) => Array.isArray(c) && c[0] === 'starts-with') as [string, string, string];
        claims = {
          workspaceId: field('x-retouch-workspace') ?? '',
          model: field('x-retouch-model') ?? '',
          uploadDir: prefix[2].replace(/\/$/, ''),
          expiresAt: Date.parse(doc.expiration),
          maxBytes: range[2],
        };
      } catch {
        // Signed by us but unreadable: cannot happen unless the format changed between versions.
        return { ok: false, reason: 'invalid' };
      }
      if (!(claims.expiresAt > now)) return { ok: false, reason: 'expired' };
      return { ok: true, claims };
    },
  };
}
