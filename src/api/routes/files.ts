/**
 * Serves blobs under signed links (see blobs/url-signer.ts). A missing, altered or expired
 * signature gets a 403 JSON error; a valid link to a reaped task gets 404.
 */
import type { FastifyInstance } from 'fastify';
import { type BlobStore, isSafeKey } from '../../blobs/blob-store.js';
import type { UrlSigner } from '../../blobs/url-signer.js';
import { Errors } from '../../errors.js';
import type { Clock } from '../../tasks/task-service.js';

const REASONS = {
  missing: 'Access denied: the URL is not signed.',
  invalid: 'Access denied: the URL signature does not match.',
  expired: 'Access denied: the URL has expired.',
} as const;

export interface FileRouteDeps {
  blobs: BlobStore;
  signer: UrlSigner;
  clock: Clock;
  /**
   * False when the blob belongs to a task that no longer exists for clients (past its
   * retention): its links stop working at once, not only when the reaper deletes the file.
   */
  isLive?: (key: string) => Promise<boolean>;
}

export function registerFileRoutes(app: FastifyInstance, deps: FileRouteDeps): void {
  app.get<{ Params: { '*': string }; Querystring: Record<string, unknown> }>('/files/*', async (request, reply) => {
    const key = request.params['*'];
    if (!isSafeKey(key)) throw Errors.notFound();
    const verdict = deps.signer.verify(key, request.query, deps.clock.now());
    if (!verdict.ok) throw Errors.resultAccessDenied(REASONS[verdict.reason]);
    if (deps.isLive && !(await deps.isLive(key))) throw Errors.notFound();
    const blob = await deps.blobs.open(key);
    if (!blob) throw Errors.notFound();
    return reply.type(blob.contentType).header('content-length', blob.size).header('cache-control', 'private, max-age=86400').send(blob.stream);
  });
}
