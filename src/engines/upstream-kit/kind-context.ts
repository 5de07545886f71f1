/**
 * The part of the routing table's engine-kind context (src/engines/routes/kind.ts) the upstream
 * kinds read, typed structurally so the kinds plug into the KINDS list with one line each.
 */
import type { UpstreamContext } from './context.js';

export interface RouteKindContext {
  readonly route: string;
  /** The route's `timeout` in ms; 0 when not given. */
  readonly timeoutMs: number;
  /** The route's `concurrency`; 0 when not given. */
  readonly concurrency: number;
  secret(field: string): { reveal(): string } | undefined;
  readonly log: { warn(obj: object, msg: string): void };
  /** The routing table file's folder: relative paths in options (a workflow file) resolve from it. */
  readonly baseDir?: string;
}

/** The engine context of an upstream route: its limits, its key (revealed here only) and logger. */
export function upstreamContextOf(ctx: RouteKindContext, baseDir = ctx.baseDir): UpstreamContext {
  return {
    route: ctx.route,
    apiKey: ctx.secret('api_key_env')?.reveal(),
    log: ctx.log,
    concurrency: ctx.concurrency,
    timeoutMs: ctx.timeoutMs,
    baseDir,
  };
}
