/** Times every engine edit (one output image) into `retouch_engine_edit_seconds`. */
import { performance } from 'node:perf_hooks';
import type { Engine } from '../engines/engine.js';
import type { EngineRegistry } from '../engines/registry.js';
import type { Metrics } from './registry.js';

export function instrumentEngines(engines: EngineRegistry, metrics: Metrics): EngineRegistry {
  // Keyed by the engine object, so a registry that swaps engines (reloaded config) is followed.
  const wrapped = new WeakMap<Engine, Engine>();
  const wrap = (model: string, engine: Engine): Engine => ({
    name: engine.name,
    async edit(request) {
      const started = performance.now();
      let outcome = 'error';
      try {
        const out = await engine.edit(request);
        outcome = 'ok';
        return out;
      } finally {
        metrics.engineEdit.observe({ route: model, outcome }, (performance.now() - started) / 1000);
      }
    },
  });
  return {
    ...engines,
    forModel(model) {
      const engine = engines.forModel(model);
      if (!engine) return undefined;
      let w = wrapped.get(engine);
      if (!w) {
        w = wrap(model, engine);
        wrapped.set(engine, w);
      }
      return w;
    },
    models: () => engines.models(),
    close: () => engines.close(),
  };
}
