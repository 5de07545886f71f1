/**
 * The admin API (docs/admin-api.md): every workspace's API keys, the workspaces and their usage.
 * Only admin keys may call it (the first-start key, `RETOUCH_API_KEY`, `retouch keys create
 * --admin`); any other valid key gets 403 AccessDenied. Not part of the DashScope protocol, but
 * answered in its shape: `{request_id, data}` on success, `{request_id, code, message}` on error.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ApiKeyInfo, KeyStore } from '../../auth/key-store.js';
import { AdminErrors, ApiError, Errors, invalidParameter } from '../../errors.js';
import type { Clock, TaskService } from '../../tasks/task-service.js';
import { authenticate } from '../auth.js';
import type { ApiDescription } from '../openapi.js';
import { AUTH_ERRORS, COMMON_SCHEMAS } from '../schemas.js';

const DAY_MS = 86_400_000;
/** Longest usage span one call may ask for. */
const MAX_USAGE_DAYS = 92;
const WORKSPACE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_NAME_CHARS = 100;

const adminKey = z.object({
  id: z.string(),
  workspace_id: z.string(),
  name: z.string(),
  hint: z.string().describe('The last characters of the secret, to tell keys apart.'),
  admin: z.boolean(),
  created_at: z.number().int().describe('Epoch ms.'),
  revoked_at: z.number().int().nullable().describe('Epoch ms; null while the key is active.'),
});
const workspaceParam = { description: 'Only this workspace (1–64 letters, digits, `_` or `-`).', schema: z.string() };
const ADMIN_ERRORS = {
  ...AUTH_ERRORS,
  '400': { description: 'An invalid parameter (InvalidParameter).', schema: 'ErrorBody' },
  '403': { description: 'A valid key that is not an admin key (AccessDenied).', schema: 'ErrorBody' },
} as const;

export const adminApiDescription: ApiDescription = {
  tag: { name: 'admin', description: "Every workspace's API keys, the workspaces and their usage; admin keys only (docs/admin-api.md)." },
  schemas: {
    ...COMMON_SCHEMAS,
    AdminKeyList: z.object({ request_id: z.string(), data: z.array(adminKey) }),
    AdminCreateKeyRequest: z.object({
      workspace_id: z.string().optional().describe('Default `default`.'),
      name: z.string().max(100).optional(),
      admin: z.boolean().optional().describe('Default false.'),
    }),
    AdminCreatedKey: z.object({ request_id: z.string(), data: adminKey.extend({ secret: z.string().describe('The key itself, shown this once.') }) }),
    AdminRevokedKey: z.object({ request_id: z.string(), data: z.object({ id: z.string(), revoked: z.literal(true) }) }),
    AdminWorkspaceList: z.object({
      request_id: z.string(),
      data: z.array(
        z.object({ id: z.string(), keys: z.number().int(), active_keys: z.number().int(), admin_keys: z.number().int(), stored_tasks: z.number().int() }),
      ),
    }),
    AdminUsage: z.object({
      request_id: z.string(),
      start_date: z.string(),
      end_date: z.string(),
      data: z.array(
        z.object({
          workspace_id: z.string(),
          date: z.string().describe('YYYY-MM-DD (UTC).'),
          tasks: z.number().int(),
          succeeded: z.number().int(),
          failed: z.number().int(),
          canceled: z.number().int(),
          images: z.number().int(),
        }),
      ),
    }),
  },
  operations: [
    {
      method: 'get',
      path: '/api/v1/admin/keys',
      operationId: 'adminListKeys',
      tag: 'admin',
      summary: 'Every API key (never the secrets)',
      query: { workspace_id: workspaceParam },
      responses: { '200': { description: 'The keys.', schema: 'AdminKeyList' }, ...ADMIN_ERRORS },
    },
    {
      method: 'post',
      path: '/api/v1/admin/keys',
      operationId: 'adminCreateKey',
      tag: 'admin',
      summary: 'Create an API key in any workspace',
      body: 'AdminCreateKeyRequest',
      responses: { '200': { description: 'The new key, with its secret (shown once).', schema: 'AdminCreatedKey' }, ...ADMIN_ERRORS },
    },
    {
      method: 'delete',
      path: '/api/v1/admin/keys/{id}',
      operationId: 'adminRevokeKey',
      tag: 'admin',
      summary: 'Revoke an API key',
      pathParams: { id: 'The key id.' },
      responses: {
        '200': { description: 'Revoked.', schema: 'AdminRevokedKey' },
        ...ADMIN_ERRORS,
        '400': { description: 'The last active admin key (UnsupportedOperation).', schema: 'ErrorBody' },
        '404': { description: 'No active key with this id (NotFound).', schema: 'ErrorBody' },
      },
    },
    {
      method: 'get',
      path: '/api/v1/admin/workspaces',
      operationId: 'adminListWorkspaces',
      tag: 'admin',
      summary: 'The workspaces, with their key and stored task counts',
      responses: { '200': { description: 'The workspaces.', schema: 'AdminWorkspaceList' }, ...ADMIN_ERRORS },
    },
    {
      method: 'get',
      path: '/api/v1/admin/usage',
      operationId: 'adminUsage',
      tag: 'admin',
      summary: 'Tasks and images per workspace and day',
      query: {
        start_date: { description: 'YYYY-MM-DD (UTC); default six days before end_date.', schema: z.string() },
        end_date: { description: 'YYYY-MM-DD (UTC); default today. At most 92 days in all.', schema: z.string() },
        workspace_id: workspaceParam,
      },
      responses: { '200': { description: 'Usage rows.', schema: 'AdminUsage' }, ...ADMIN_ERRORS },
    },
  ],
};

export interface AdminDeps {
  readonly keys: KeyStore;
  readonly tasks: TaskService;
  readonly clock: Clock;
}

/** The wire form of a key: snake_case, times in epoch ms, never the secret (shown once, on create). */
const presentKey = (k: ApiKeyInfo) => ({
  id: k.id,
  workspace_id: k.workspaceId,
  name: k.name,
  hint: k.hint,
  admin: k.admin,
  created_at: k.createdAt,
  revoked_at: k.revokedAt ?? null,
});

function jsonBody(body: unknown): Record<string, unknown> {
  if (!Buffer.isBuffer(body) || body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw Errors.malformedBody();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw Errors.notJson();
  return parsed as Record<string, unknown>;
}

/** `YYYY-MM-DD` (UTC) → epoch ms of that day's start. */
function parseDay(value: unknown, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const m = typeof value === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(value) : null;
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value) {
    throw invalidParameter(`Parameter ${name} must be a date like 2026-01-31 (YYYY-MM-DD, UTC).`);
  }
  return ms;
}

function optionalWorkspace(value: unknown, name: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !WORKSPACE_ID.test(value)) {
    throw invalidParameter(`Parameter ${name} must be 1-64 letters, digits, "_" or "-".`);
  }
  return value;
}

export function registerAdminRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const { keys, tasks, clock } = deps;

  /** Authenticates as any endpoint does, then requires the admin flag. */
  async function requireAdmin(request: FastifyRequest): Promise<ApiKeyInfo> {
    const caller = await authenticate(request, keys);
    const key = (await keys.list()).find((k) => k.id === caller.apiKeyId);
    if (!key?.admin) throw AdminErrors.notAdmin();
    return key;
  }

  app.get<{ Querystring: Record<string, unknown> }>('/api/v1/admin/keys', async (request) => {
    await requireAdmin(request);
    const workspace = optionalWorkspace(request.query.workspace_id, 'workspace_id');
    const all = await keys.list();
    return { request_id: request.id, data: all.filter((k) => workspace === undefined || k.workspaceId === workspace).map(presentKey) };
  });

  app.post('/api/v1/admin/keys', async (request) => {
    await requireAdmin(request);
    const body = jsonBody(request.body);
    const workspaceId = optionalWorkspace(body.workspace_id, 'workspace_id') ?? 'default';
    const name = body.name ?? '';
    if (typeof name !== 'string' || Array.from(name).length > MAX_NAME_CHARS) {
      throw invalidParameter(`Parameter name must be a string of at most ${MAX_NAME_CHARS} characters.`);
    }
    const admin = body.admin ?? false;
    if (typeof admin !== 'boolean') throw invalidParameter('Parameter admin must be a boolean.');
    const { secret, info } = await keys.create({ workspaceId, name, admin, now: clock.now() });
    return { request_id: request.id, data: { ...presentKey(info), secret } };
  });

  app.delete<{ Params: { id: string } }>('/api/v1/admin/keys/:id', async (request) => {
    await requireAdmin(request);
    const { id } = request.params;
    const active = (await keys.list()).filter((k) => k.revokedAt === undefined);
    const target = active.find((k) => k.id === id);
    if (!target) throw AdminErrors.noSuchKey(id);
    // Revoking the last admin key would leave nobody able to manage keys but the CLI.
    if (target.admin && active.filter((k) => k.admin).length === 1) {
      throw AdminErrors.lastAdminKey();
    }
    if (!(await keys.revoke(id, clock.now()))) throw AdminErrors.noSuchKey(id);
    return { request_id: request.id, data: { id, revoked: true } };
  });

  app.get('/api/v1/admin/workspaces', async (request) => {
    await requireAdmin(request);
    const all = await keys.list();
    const usage = await tasks.usage({ from: 0, to: clock.now() });
    const ids = new Set([...all.map((k) => k.workspaceId), ...usage.map((u) => u.workspaceId)]);
    const data = [...ids].sort().map((id) => {
      const mine = all.filter((k) => k.workspaceId === id);
      const rows = usage.filter((u) => u.workspaceId === id);
      return {
        id,
        keys: mine.length,
        active_keys: mine.filter((k) => k.revokedAt === undefined).length,
        admin_keys: mine.filter((k) => k.revokedAt === undefined && k.admin).length,
        stored_tasks: rows.reduce((sum, u) => sum + u.tasks, 0),
      };
    });
    return { request_id: request.id, data };
  });

  app.get<{ Querystring: Record<string, unknown> }>('/api/v1/admin/usage', async (request) => {
    await requireAdmin(request);
    const today = Math.floor(clock.now() / DAY_MS) * DAY_MS;
    const end = parseDay(request.query.end_date, 'end_date') ?? today;
    const start = parseDay(request.query.start_date, 'start_date') ?? end - 6 * DAY_MS;
    if (start > end) throw invalidParameter('Parameter start_date must not be after end_date.');
    if ((end - start) / DAY_MS + 1 > MAX_USAGE_DAYS) throw invalidParameter(`The usage span must be at most ${MAX_USAGE_DAYS} days.`);
    const workspaceId = optionalWorkspace(request.query.workspace_id, 'workspace_id');
    const rows = await tasks.usage({ from: start, to: end + DAY_MS - 1, ...(workspaceId === undefined ? {} : { workspaceId }) });
    return {
      request_id: request.id,
      start_date: new Date(start).toISOString().slice(0, 10),
      end_date: new Date(end).toISOString().slice(0, 10),
      data: rows.map((u) => ({
        workspace_id: u.workspaceId,
        date: u.day,
        tasks: u.tasks,
        succeeded: u.succeeded,
        failed: u.failed,
        canceled: u.canceled,
        images: u.images,
      })),
    };
  });
}
