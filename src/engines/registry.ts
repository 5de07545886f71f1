/**
 * Maps model names to engines. `wan2.5-i2i-preview` is served by the built-in local engine;
 * other names can be added by configuration (upstream engines) or, in tests, by the test engine.
 */
import type { Engine } from './engine.js';

export interface EngineRegistry {
  /** The engine for a model name, or undefined when the model is not served here. */
  forModel(model: string): Engine | undefined;
  models(): string[];
  close(): Promise<void>;
}

export function createEngineRegistry(byModel: Record<string, Engine>): EngineRegistry {
  const map = new Map(Object.entries(byModel));
  return {
    forModel: (model) => map.get(model),
    models: () => [...map.keys()],
    async close() {
      await Promise.all([...new Set(map.values())].map((engine) => engine.close?.()));
    },
  };
}
