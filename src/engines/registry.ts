/**
 * The engine registry: the routing table (routes/routing-table.ts) turned into engines, and the
 * one place that decides which engine runs a task.
 *
 * - `local`: the built-in engine; an instruction it cannot parse fails with the parser's message
 *   plus how to route such instructions to a generative upstream.
 * - `auto`: hybrid. The built-in parser decides first: what it fully understands runs locally
 *   (milliseconds, free); anything else goes to the route's `fallback` (a generative route).
 * - an upstream kind (`dashscope`): submitted once, then polled by the upstream scheduler.
 * - other kinds (`openai`, `comfyui`): per-image engines run in worker slots like `local`.
 */
import { dirname } from 'node:path';
import { type Engine, EditError } from './engine.js';
import { parseInstruction } from './local/parser/index.js';
import { isUpstreamEngine } from './routes/kind.js';
import { KINDS } from './routes/kinds.js';
import type { RoutingTable } from './routes/routing-table.js';
import type { UpstreamEngine } from './routes/upstream-engine.js';

export type Decision =
  | { readonly kind: 'engine'; readonly engine: Engine; readonly engineName: string; readonly route: string; readonly timeoutMs: number | undefined }
  | {
      readonly kind: 'upstream';
      readonly upstream: UpstreamEngine;
      readonly engineName: string;
      /** The route whose engine runs it: the model's own, or its `auto` fallback. */
      readonly route: string;
      readonly timeoutMs: number | undefined;
      readonly concurrency: number | undefined;
    }
  | { readonly kind: 'fail'; readonly code: string; readonly message: string; readonly engineName: string };

export interface ModelInfo {
  readonly id: string;
  /** local | auto | dashscope | openai | comfyui (| test, for the test engine). */
  readonly engine: string;
}

export interface EngineRegistry {
  /** Whether the model is served here (unknown models get DashScope's "Model not exist."). */
  has(model: string): boolean;
  models(): ModelInfo[];
  /** Which engine runs this model's instruction; undefined for an unknown model. */
  decide(model: string, prompt: string): Decision | undefined;
  /** A route's upstream engine, by route name: forwarding a cancel. */
  upstream(route: string): UpstreamEngine | undefined;
  /** How to resume a task whose upstream task was submitted by `route`; undefined if it is gone. */
  resume(route: string): Extract<Decision, { kind: 'upstream' }> | undefined;
  close(): Promise<void>;
}

export interface RegistryDeps {
  readonly table: RoutingTable;
  /** The built-in engine, created on first use and shared by every local/auto route. */
  readonly localEngine: () => Engine;
  /** Extra models with a fixed engine (the test engine). */
  readonly extra?: Readonly<Record<string, { engine: Engine; engineName: string }>>;
  readonly log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

export function generativeHint(model: string): string {
  return (
    `The built-in engine only runs the deterministic edits it lists; to send other instructions to a generative model, ` +
    `give model "${model}" the engine "auto" with a "fallback" route (DashScope, an OpenAI-style server or ComfyUI) ` +
    `in the routing table (--config / RETOUCH_CONFIG, see docs/upstreams.md).`
  );
}

type Built =
  { kind: 'auto'; fallback: string | undefined } | { kind: 'engine'; engine: Engine; engineName: string } | { kind: 'upstream'; upstream: UpstreamEngine };

export function createEngineRegistry(deps: RegistryDeps): EngineRegistry {
  const built = new Map<string, Built>();
  const specs = deps.table.routes;
  for (const spec of specs.values()) {
    if (spec.engine === 'auto') {
      built.set(spec.name, { kind: 'auto', fallback: spec.fallback });
      continue;
    }
    const engine = KINDS[spec.engine]!.create(spec.options, {
      route: spec.name,
      timeoutMs: spec.timeoutMs ?? 0,
      concurrency: spec.concurrency ?? 0,
      secret: (field) => spec.secrets.get(field),
      baseDir: deps.table.source ? dirname(deps.table.source) : process.cwd(),
      localEngine: deps.localEngine,
      log: deps.log,
    });
    built.set(spec.name, isUpstreamEngine(engine) ? { kind: 'upstream', upstream: engine } : { kind: 'engine', engine, engineName: spec.engine });
  }
  for (const [model, { engine, engineName }] of Object.entries(deps.extra ?? {})) {
    if (!built.has(model)) built.set(model, { kind: 'engine', engine, engineName });
  }

  /** Runs `route` itself (never an auto route: fallbacks name generative routes only). */
  function run(route: string): Decision {
    const b = built.get(route)!;
    const spec = specs.get(route);
    if (b.kind === 'upstream') {
      return { kind: 'upstream', upstream: b.upstream, engineName: b.upstream.name, route, timeoutMs: spec?.timeoutMs, concurrency: spec?.concurrency };
    }
    if (b.kind === 'engine') return { kind: 'engine', engine: b.engine, engineName: b.engineName, route, timeoutMs: spec?.timeoutMs };
    throw new Error(`route ${route} is not runnable by itself`);
  }

  /** The built-in parser's verdict: undefined when it understands the whole instruction. */
  function notUnderstood(prompt: string): EditError | undefined {
    try {
      parseInstruction(prompt);
      return undefined;
    } catch (err) {
      if (err instanceof EditError) return err;
      throw err;
    }
  }

  return {
    has: (model) => built.has(model),
    models: () =>
      [...built.entries()].map(([id, b]) => ({
        id,
        engine: b.kind === 'auto' ? 'auto' : b.kind === 'upstream' ? b.upstream.name : b.engineName,
      })),
    decide(model, prompt) {
      const b = built.get(model);
      if (!b) return undefined;
      const isLocal = b.kind === 'engine' && specs.get(model)?.engine === 'local';
      if (b.kind !== 'auto' && !isLocal) return run(model);
      const problem = notUnderstood(prompt);
      if (!problem) return { kind: 'engine', engine: deps.localEngine(), engineName: 'local', route: model, timeoutMs: specs.get(model)?.timeoutMs };
      if (b.kind === 'auto' && b.fallback) return run(b.fallback);
      // The parser's refusal of a generative request already says how to route one.
      const hint = problem.message.includes('docs/upstreams.md') ? '' : ` ${generativeHint(model)}`;
      return { kind: 'fail', code: problem.code, message: `${problem.message}${hint}`, engineName: 'local' };
    },
    upstream(route) {
      const b = built.get(route);
      return b?.kind === 'upstream' ? b.upstream : undefined;
    },
    resume(route) {
      if (built.get(route)?.kind !== 'upstream') return undefined;
      const decision = run(route);
      return decision.kind === 'upstream' ? decision : undefined;
    },
    async close() {
      const engines = new Set<{ close?(): Promise<void> }>();
      for (const b of built.values()) {
        // The shared built-in engine belongs to its creator (main.ts), which closes it once.
        if (b.kind === 'engine' && b.engineName !== 'local') engines.add(b.engine);
        if (b.kind === 'upstream') engines.add(b.upstream);
      }
      await Promise.all([...engines].map((engine) => engine.close?.()));
    },
  };
}
