/**
 * `Idempotency-Key` on create (IETF draft-ietf-httpapi-idempotency-key-header): the key's
 * syntax, and the request fingerprint it is bound to.
 *
 * The fingerprint is a SHA-256 of the body in canonical form (object keys sorted at every
 * level, no insignificant whitespace, by safe-stable-stringify), so that a client re-serialising
 * the same request differently still matches, plus the one header that changes what the body
 * means (`X-DashScope-OssResourceResolve`).
 */
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { stringify } from 'safe-stable-stringify';
import { Errors, invalidParameter } from '../errors.js';

/** How long a key answers with its task: the draft's and DashScope's 24 h. */
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;

const KEY = /^[\x21-\x7e]{1,255}$/;

/** The key, undefined without the header; a malformed key is the client's error. */
export function idempotencyKey(request: FastifyRequest): string | undefined {
  const value = request.headers['idempotency-key'];
  if (value === undefined) return undefined;
  // Sent twice, Node joins the values with ", ": not a valid key either.
  const key = typeof value === 'string' ? value.trim().replace(/^"(.*)"$/, '$1') : '';
  if (!KEY.test(key)) throw invalidParameter('Header Idempotency-Key must be 1 to 255 visible ASCII characters, given once.');
  return key;
}

export function fingerprint(body: unknown, ossResolve: boolean): string {
  let canonical: string | undefined;
  try {
    canonical = stringify(body);
  } catch (err) {
    // Nested deeper than the stack (an unknown parameter of 10 000 arrays): the client's body.
    if (err instanceof RangeError) throw Errors.malformedBody();
    throw err;
  }
  return createHash('sha256')
    .update(canonical ?? 'null')
    .update(ossResolve ? '\noss-resolve' : '\n')
    .digest('hex');
}
