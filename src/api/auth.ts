/**
 * Resolves the caller from `Authorization: Bearer <key>`, and checks the optional
 * `X-DashScope-WorkSpace` header against the key's workspace. Routes that browsers open with
 * EventSource (which cannot send headers) also accept `?api_key=` (`allowQueryKey`).
 */
import type { FastifyRequest } from 'fastify';
import type { KeyStore } from '../auth/key-store.js';
import { Errors } from '../errors.js';
import type { Caller } from '../tasks/task-service.js';

export async function authenticate(request: FastifyRequest, keys: KeyStore, options: { allowQueryKey?: boolean } = {}): Promise<Caller> {
  const header = request.headers.authorization;
  const queryKey = options.allowQueryKey ? (request.query as Record<string, unknown> | undefined)?.api_key : undefined;
  const secret = typeof header === 'string' ? header.replace(/^\s*Bearer\s+/i, '').trim() : typeof queryKey === 'string' ? queryKey.trim() : '';
  if (secret === '') throw Errors.noApiKey();
  if (secret.length > 512) throw Errors.invalidApiKey();
  const key = await keys.authenticate(secret);
  if (!key) throw Errors.invalidApiKey();
  const workspace = request.headers['x-dashscope-workspace'];
  if (typeof workspace === 'string' && workspace.trim() !== '' && workspace.trim() !== key.workspaceId) {
    throw Errors.workspaceDenied();
  }
  return { workspaceId: key.workspaceId, apiKeyId: key.id };
}
