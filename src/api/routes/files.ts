/**
 * Serves blobs under signed links (see blobs/url-signer.ts). A missing, altered or expired
 * signature gets a 403 JSON error; a valid link to a reaped task gets 404.
 */
import type { FastifyInstance } from 'fastify';
import type { BlobStore } from '../../blobs/blob-store.js';
import { isSafeKey } from '../../blobs/blob-store.js';
import type { UrlSigner } from '../../blobs/url-signer.js';
import { Errors } from '../../errors.js';
import type { Clock } from '../../tasks/task-service.js';

const REASONS = {
  missing: 'Access denied: the URL is not signed.',
  invalid: 'Access denied: the URL signature does not match.',
  expired: 'Access denied: the URL has expired.',
} as const;

export function registerFileRoutes(app: FastifyInstance, deps: { blobs: BlobStore; signer: UrlSigner; clock: Clock }): void {
  app.get<{ Params: { '*': string }; Querystring: Record<string, unknown> }>('/files/*', async (request, reply) => {
    const key = request.params['*'];
    if (!isSafeKey(key)) throw Errors.notFound();
    const verdict = deps.signer.verify(key, request.query, deps.clock.now());
    if (!verdict.ok) throw Errors.resultAccessDenied(REASONS[verdict.reason]);
    const blob = await deps.blobs.open(key);
    if (!blob) throw Errors.notFound();
    return reply
      .type(blob.contentType)
      .header('content-length', blob.size)
      .header('cache-control', 'private, max-age=86400')
      .send(blob.stream);
  });
}
