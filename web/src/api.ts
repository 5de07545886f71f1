/**
 * The console's only way to the server: the TypeScript SDK (packages/sdk/src), with typed wrappers for the
 * endpoints the SDK has no method for (models, admin, webhooks) over its generic `request`.
 * Optional endpoints (models, webhooks, task events) are feature-detected: a 404 means "this
 * server does not offer it", and the console says so or falls back.
 */
import { createClient, DashScopeError, MODEL_WAN25_I2I, type FetchLike, type GetTaskResponse, type RetouchClient } from '@retouch/sdk';

export type Client = RetouchClient;
export { DashScopeError };

export function apiBase(): string {
  return `${location.origin}/api/v1`;
}

/**
 * A client for `apiKey`. `onKeyRefused` is told of every 401 (InvalidApiKey: the key is unknown or
 * was revoked since sign-in), so that the session can end instead of failing call after call.
 */
export function connect(apiKey: string, onKeyRefused?: () => void): Client {
  const watched: FetchLike | undefined =
    onKeyRefused &&
    (async (input, init) => {
      const res = await fetch(input, init);
      if (res.status === 401) onKeyRefused();
      return res;
    });
  // Few, short retries: a person is waiting, and errors are shown rather than hidden.
  return createClient({ baseUrl: apiBase(), apiKey, fetch: watched, retry: { maxRetries: 2, baseDelayMs: 300, maxDelayMs: 3000 } });
}

/** The operator-facing `retouch` object of a task (which route and engine ran it), when the server sends one. */
export interface RetouchInfo {
  readonly route?: string;
  readonly engine?: string;
}
export type TaskBody = GetTaskResponse & { retouch?: RetouchInfo };

export interface ModelInfo {
  readonly id: string;
  readonly engine?: string;
  readonly owned_by?: string;
  readonly [extra: string]: unknown;
}

export const isNotFound = (err: unknown): boolean => err instanceof DashScopeError && err.status === 404;

/** `GET /api/v1/models`; `listed: false` when the server has no such endpoint (then only wan2.5-i2i-preview). */
export async function listModels(client: Client): Promise<{ listed: boolean; models: ModelInfo[] }> {
  try {
    const body = await client.request<{ data?: ModelInfo[] }>('GET', '/models');
    const models = (body.data ?? []).filter((m) => typeof m.id === 'string');
    return { listed: true, models: models.length > 0 ? models : [{ id: MODEL_WAN25_I2I }] };
  } catch (err) {
    if (isNotFound(err)) return { listed: false, models: [{ id: MODEL_WAN25_I2I, engine: 'local' }] };
    throw err;
  }
}

export interface AdminKey {
  readonly id: string;
  readonly workspace_id: string;
  readonly name: string;
  readonly hint: string;
  readonly admin: boolean;
  readonly created_at: number;
  readonly revoked_at: number | null;
}
export interface Workspace {
  readonly id: string;
  readonly keys: number;
  readonly active_keys: number;
  readonly admin_keys: number;
  readonly stored_tasks: number;
}
export interface UsageRow {
  readonly workspace_id: string;
  readonly date: string;
  readonly tasks: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly canceled: number;
  readonly images: number;
}

export const admin = {
  /** false when the key is valid but not an admin key (403 AccessDenied). */
  async isAdmin(client: Client): Promise<boolean> {
    try {
      await client.request('GET', '/admin/keys');
      return true;
    } catch (err) {
      if (err instanceof DashScopeError && (err.status === 403 || err.status === 404)) return false;
      throw err;
    }
  },
  keys: async (client: Client) => (await client.request<{ data: AdminKey[] }>('GET', '/admin/keys')).data,
  createKey: async (client: Client, body: { workspace_id: string; name: string; admin: boolean }) =>
    (await client.request<{ data: AdminKey & { secret: string } }>('POST', '/admin/keys', { body })).data,
  revokeKey: (client: Client, id: string) => client.request('DELETE', `/admin/keys/${encodeURIComponent(id)}`),
  workspaces: async (client: Client) => (await client.request<{ data: Workspace[] }>('GET', '/admin/workspaces')).data,
  usage: async (client: Client, q: { start_date: string; end_date: string; workspace_id: string }) => {
    const params = new URLSearchParams(Object.entries(q).filter(([, v]) => v !== ''));
    return (await client.request<{ data: UsageRow[] }>('GET', `/admin/usage?${params}`)).data;
  },
};

export interface WebhookEndpoint {
  readonly id: string;
  readonly url: string;
  readonly events?: string[];
  readonly description?: string;
  readonly secret?: string;
  readonly [extra: string]: unknown;
}
type Rows<T> = { data?: T[] } | T[];
const rows = <T>(body: Rows<T>): T[] => (Array.isArray(body) ? body : (body.data ?? []));

/** The webhooks API (per the cross-helper contract); callers treat a 404 as "not offered". */
export const webhooks = {
  list: async (client: Client) => rows(await client.request<Rows<WebhookEndpoint>>('GET', '/webhooks')),
  create: async (client: Client, body: { url: string; events?: string[]; description?: string }) => {
    const res = await client.request<WebhookEndpoint | { data: WebhookEndpoint }>('POST', '/webhooks', { body });
    return 'data' in res && typeof res.data === 'object' ? (res.data as WebhookEndpoint) : (res as WebhookEndpoint);
  },
  remove: (client: Client, id: string) => client.request('DELETE', `/webhooks/${encodeURIComponent(id)}`),
  test: (client: Client, id: string) => client.request('POST', `/webhooks/${encodeURIComponent(id)}/test`),
  deliveries: async (client: Client, id: string) =>
    rows(await client.request<Rows<Record<string, unknown>>>('GET', `/webhooks/${encodeURIComponent(id)}/deliveries`)),
};

/** "Code: message" for any error, as the server gave it. */
export function describeError(err: unknown): string {
  if (err instanceof DashScopeError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
