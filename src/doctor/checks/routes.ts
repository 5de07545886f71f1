import { ok, type Check } from '../check.js';

/**
 * Upstream routes (DashScope, OpenAI, ComfyUI engines behind a routing table, issue 10) —
 * EXTENSION POINT. This build has no routing table: the only engine is the built-in one, which
 * the fonts and models checks cover. When the routing table lands, this check loads it (the same
 * loader `retouch serve` uses) and, per upstream route: resolves and connects to its base URL
 * (timeout 5 s), sends one authenticated cheap request (a models listing) and reports
 * unreachable hosts, TLS errors and rejected credentials (401/403) with the route's name and the
 * setting to fix.
 */
export const routesCheck: Check = {
  id: 'routes',
  needsConfig: true,
  async run() {
    return [ok('routes', 'no upstream routes in this build: every model runs on the built-in engine')];
  },
};
