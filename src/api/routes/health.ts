/**
 * The operator's endpoints, unauthenticated (except /metrics with RETOUCH_METRICS_TOKEN):
 * - GET /healthz: the process is up and answering (liveness).
 * - GET /readyz: every readiness check passes (store and blob store reachable, workers and the
 *   webhook dispatcher running, not draining) → 200, else 503 with what failed (readiness).
 * - GET /metrics: Prometheus text format (src/metrics/registry.ts).
 * - GET /openapi.json: the API description (api/openapi.ts).
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { Errors } from '../../errors.js';
import type { Metrics } from '../../metrics/registry.js';
import type { ApiDescription } from '../openapi.js';
import { COMMON_SCHEMAS } from '../schemas.js';

export interface ReadinessCheck {
  readonly name: string;
  /** Resolves when healthy; rejects (or resolves a reason) when not. */
  check(): Promise<string | void>;
}

export interface HealthDeps {
  readonly checks: readonly ReadinessCheck[];
  readonly metrics?: Metrics;
  readonly metricsToken?: string;
  readonly openApi: () => Record<string, unknown>;
}

/** Each check gets this long; a store that hangs is as unready as one that fails. */
const CHECK_TIMEOUT_MS = 2000;

async function runCheck(check: ReadinessCheck): Promise<{ name: string; ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`no answer within ${CHECK_TIMEOUT_MS} ms`), CHECK_TIMEOUT_MS)));
  try {
    const problem = await Promise.race([check.check(), timeout]);
    return problem ? { name: check.name, ok: false, error: problem } : { name: check.name, ok: true };
  } catch (err) {
    return { name: check.name, ok: false, error: (err as Error).message || 'failed' };
  } finally {
    clearTimeout(timer);
  }
}

const sameToken = (given: string, expected: string) => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

export function registerHealthRoutes(app: FastifyInstance, deps: HealthDeps): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const checks = await Promise.all(deps.checks.map(runCheck));
    const ready = checks.every((c) => c.ok);
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unready', checks });
  });

  if (deps.metrics) {
    const { registry } = deps.metrics;
    app.get('/metrics', async (request, reply) => {
      if (deps.metricsToken !== undefined) {
        const header = request.headers.authorization ?? '';
        const given = header.replace(/^\s*Bearer\s+/i, '').trim();
        if (!sameToken(given, deps.metricsToken)) throw Errors.metricsToken();
      }
      return reply.type(registry.contentType).send(await registry.metrics());
    });
  }

  let document: Record<string, unknown> | undefined;
  app.get('/openapi.json', async () => (document ??= deps.openApi()));
}

const checkSchema = z.object({ name: z.string(), ok: z.boolean(), error: z.string().optional() });

export const healthApiDescription: ApiDescription = {
  tag: { name: 'operations', description: 'Liveness, readiness, metrics and this document.' },
  schemas: {
    ...COMMON_SCHEMAS,
    Health: z.object({ status: z.literal('ok') }),
    Readiness: z.object({ status: z.enum(['ready', 'unready']), checks: z.array(checkSchema) }),
  },
  operations: [
    {
      method: 'get',
      path: '/healthz',
      operationId: 'healthz',
      tag: 'operations',
      auth: false,
      summary: 'Liveness: the process answers',
      responses: { '200': { description: 'Up.', schema: 'Health' } },
    },
    {
      method: 'get',
      path: '/readyz',
      operationId: 'readyz',
      tag: 'operations',
      auth: false,
      summary: 'Readiness: store, blob store, workers',
      responses: {
        '200': { description: 'Every check passed.', schema: 'Readiness' },
        '503': { description: 'Some check failed; `checks` says which.', schema: 'Readiness' },
      },
    },
    {
      method: 'get',
      path: '/metrics',
      operationId: 'metrics',
      tag: 'operations',
      auth: false,
      summary: 'Prometheus metrics (text format)',
      description: 'Requires `Authorization: Bearer <RETOUCH_METRICS_TOKEN>` when that setting is on.',
      responses: {
        '200': { description: 'Prometheus text exposition format 0.0.4.', mediaType: 'text/plain' },
        '401': { description: 'Metrics token required.', schema: 'ErrorBody' },
      },
    },
    {
      method: 'get',
      path: '/openapi.json',
      operationId: 'openapi',
      tag: 'operations',
      auth: false,
      summary: 'This OpenAPI 3.1 document',
      responses: { '200': { description: 'The document.', mediaType: 'application/json' } },
    },
  ],
};
