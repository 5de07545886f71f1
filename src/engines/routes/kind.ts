/**
 * The engine-kind port: what a route's `engine` field may name. Each kind brings the zod schema
 * of its `options` (validated once at boot, see routing-table.ts) and a factory building the
 * engine for one route. The kinds themselves are listed in ./kinds.ts.
 *
 * A kind's factory returns either
 * - an `Engine` (src/engines/engine.ts): called once per output image inside a worker slot
 *   (local, openai, comfyui), or
 * - an `UpstreamEngine` (./upstream-engine.ts): an asynchronous upstream task API; the worker
 *   submits once and hands the task to the upstream scheduler, so no slot waits on it.
 */
import type { z } from 'zod';
import type { Engine } from '../engine.js';
import type { Secret } from './secret.js';
import type { UpstreamEngine } from './upstream-engine.js';

export interface KindContext {
  /** The route's name (= the model name clients send). */
  readonly route: string;
  /** The route's `timeout` (ms); engines bound their own upstream waits by it. */
  readonly timeoutMs: number;
  /** The route's `concurrency`: requests (or upstream tasks) in flight at once on this node. */
  readonly concurrency: number;
  /**
   * Credentials named by the kind's `secretFields` (e.g. `api_key_env`), resolved from the
   * environment at boot. Absent when the field was not given.
   */
  secret(field: string): Secret | undefined;
  /** The routing table file's folder: relative paths in options (a workflow file) resolve from it. */
  readonly baseDir: string;
  /** Shared engines (the built-in one is created once per process). */
  readonly localEngine: () => Engine;
  readonly log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

export interface EngineKind<Options = unknown> {
  /** Validates and defaults the route's `options`. */
  readonly options: z.ZodType<Options>;
  /** Option fields holding the NAME of an environment variable whose value is a credential. */
  readonly secretFields?: readonly string[];
  create(options: Options, ctx: KindContext): Engine | UpstreamEngine;
}

/** Builds a kind with its options type checked against its factory. */
export function defineKind<Options>(kind: EngineKind<Options>): EngineKind<unknown> {
  return kind as EngineKind<unknown>;
}

export function isUpstreamEngine(engine: Engine | UpstreamEngine): engine is UpstreamEngine {
  return (engine as UpstreamEngine).kind === 'upstream';
}
