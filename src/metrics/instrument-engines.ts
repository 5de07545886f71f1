/**
 * Times every per-image engine edit (one output image) into `retouch_engine_edit_seconds`, by
 * route and by the engine that ran it (hybrid routes show local and upstream apart). Upstream
 * tasks (dashscope) are not per-image edits; their time shows in the task latency histogram.
 */
import { performance } from 'node:perf_hooks';
import type { Engine } from '../engines/engine.js';
import type { EngineRegistry } from '../engines/registry.js';
import type { Metrics } from './registry.js';

export function instrumentEngines(engines: EngineRegistry, metrics: Metrics): EngineRegistry {
  // One wrapper per (engine object, route, engine name): decide() runs per task.
  const wrapped = new WeakMap<Engine, Map<string, Engine>>();
  const wrap = (route: string, engineName: string, engine: Engine): Engine => ({
    name: engine.name,
    async edit(request) {
      const started = performance.now();
      let outcome = 'error';
      try {
        const out = await engine.edit(request);
        outcome = 'ok';
        return out;
      } finally {
        metrics.engineEdit.observe({ route, engine: engineName, outcome }, (performance.now() - started) / 1000);
      }
    },
    ...(engine.close ? { close: () => engine.close!() } : {}),
  });
  return {
    ...engines,
    decide(model, prompt) {
      const decision = engines.decide(model, prompt);
      if (decision?.kind !== 'engine') return decision;
      let byLabel = wrapped.get(decision.engine);
      if (!byLabel) wrapped.set(decision.engine, (byLabel = new Map()));
      const label = `${decision.route}\u0000${decision.engineName}`;
      let engine = byLabel.get(label);
      if (!engine) byLabel.set(label, (engine = wrap(decision.route, decision.engineName, decision.engine)));
      return { ...decision, engine };
    },
  };
}
