import { fail, ok, warn, type Check, type Finding } from '../check.js';
import type { RouteSpec } from '../../engines/routes/routing-table.js';

/**
 * Upstream routes of the routing table (--config / RETOUCH_CONFIG, docs/upstreams.md): each one's
 * base URL must answer, and accept the route's key. One cheap authenticated request per route,
 * the kind's own: DashScope a query of a task id that cannot exist (a good key gets 200
 * `UNKNOWN`), OpenAI-style servers `GET /v1/models`, ComfyUI `GET /system_stats`. The file
 * itself (fields, workflows, the key variables being set) is checked when the config loads.
 */
const PROBES: Record<string, (base: string) => string> = {
  dashscope: (base) => `${base}/tasks/00000000-0000-4000-8000-000000000000`,
  openai: (base) => `${base}/v1/models`,
  comfyui: (base) => `${base}/system_stats`,
};

const TIMEOUT_MS = 5000;

export const routesCheck: Check = {
  id: 'routes',
  needsConfig: true,
  async run({ config }) {
    const table = config!.routes;
    const upstream = [...table.routes.values()].filter((r) => PROBES[r.engine]);
    if (upstream.length === 0) {
      const where = table.source ? `the routing table ${table.source}` : 'no routing table (--config / RETOUCH_CONFIG)';
      return [ok('routes', `${where}: no upstream routes, every model runs on the built-in engine`)];
    }
    return Promise.all(upstream.map((route) => probe(route, table.source ?? 'the routing table')));
  },
};

async function probe(route: RouteSpec, file: string): Promise<Finding> {
  const base = String((route.options as { base_url?: string }).base_url ?? '').replace(/\/+$/, '');
  const url = PROBES[route.engine]!(base);
  const key = route.secrets.get('api_key_env');
  const keyVar = (route.options as { api_key_env?: string }).api_key_env;
  const name = `route "${route.name}" (${route.engine}, ${base})`;
  let status: number;
  try {
    const res = await fetch(url, {
      headers: { accept: 'application/json', ...(key ? { authorization: `Bearer ${key.reveal()}` } : {}) },
      signal: AbortSignal.timeout(TIMEOUT_MS),
      redirect: 'manual',
    });
    status = res.status;
    await res.body?.cancel();
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = (err as Error).name === 'TimeoutError' ? `no answer within ${TIMEOUT_MS / 1000} s` : (cause?.code ?? cause?.message ?? (err as Error).message);
    return fail(
      'routes',
      `${name} is unreachable: ${why}`,
      `check options.base_url of "${route.name}" in ${file}, and that this host can reach it (DNS, firewall, proxy, TLS)`,
    );
  }
  if (status === 401 || status === 403) {
    return fail(
      'routes',
      `${name} refuses the key: HTTP ${status}`,
      keyVar
        ? `check the key in $${keyVar} (options.api_key_env of "${route.name}"); the upstream must accept it`
        : `the upstream wants a key: set options.api_key_env of "${route.name}" in ${file} to the variable holding it`,
    );
  }
  if (status >= 200 && status < 300) return ok('routes', `${name} answers and accepts the key${key ? '' : ' (none configured)'}`);
  if (status === 404 && route.engine === 'openai') return ok('routes', `${name} answers (no /v1/models to check the key with: HTTP 404)`);
  return warn(
    'routes',
    `${name} answers HTTP ${status} to ${url}`,
    `check options.base_url of "${route.name}" in ${file} (it should be the API root, e.g. …/api/v1 for DashScope)`,
  );
}
