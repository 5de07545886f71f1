/**
 * A `file://` model loader for TensorFlow.js. The pure-JS @tensorflow/tfjs loads models over
 * HTTP only; @tensorflow/tfjs-node adds file:// but downloads libtensorflow at install time, which
 * an install from the npm registry alone cannot do. Human (face detection) and the selfie matte
 * load their weights from file:// URLs, so this registers the one loader they use. (ESRGAN-slim's
 * tfjs files are read by esrgan-onnx.ts, which translates them for ONNX Runtime.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as TfType from '@tensorflow/tfjs';

interface ModelJson {
  modelTopology?: object;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  signature?: object;
  userDefinedMetadata?: Record<string, object>;
  modelInitializer?: object;
  trainingConfig?: TfType.io.TrainingConfig;
  weightsManifest: { paths: string[]; weights: TfType.io.WeightsManifestEntry[] }[];
}

function fileHandler(url: string): TfType.io.IOHandler {
  const file = fileURLToPath(url);
  return {
    async load(): Promise<TfType.io.ModelArtifacts> {
      const mj = JSON.parse(fs.readFileSync(file, 'utf8')) as ModelJson;
      const dir = path.dirname(file);
      const weightSpecs: TfType.io.WeightsManifestEntry[] = [];
      const buffers: Buffer[] = [];
      for (const group of mj.weightsManifest) {
        weightSpecs.push(...group.weights);
        for (const f of group.paths) buffers.push(fs.readFileSync(path.join(dir, f)));
      }
      const all = Buffer.concat(buffers);
      return {
        modelTopology: mj.modelTopology,
        format: mj.format,
        generatedBy: mj.generatedBy,
        convertedBy: mj.convertedBy,
        signature: mj.signature,
        userDefinedMetadata: mj.userDefinedMetadata,
        modelInitializer: mj.modelInitializer,
        trainingConfig: mj.trainingConfig,
        weightSpecs,
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer,
      };
    },
  };
}

let registered = false;

/** Registers the loader on this tfjs instance's IO registry (once per thread). */
export function registerFileLoader(tf: typeof TfType): void {
  if (registered) return;
  registered = true;
  // A router returns null for URLs it does not handle (tfjs's own typing says IOHandler only).
  const route = (url: string | string[]) => (typeof url === 'string' && url.startsWith('file://') ? fileHandler(url) : null);
  tf.io.registerLoadRouter(route as (url: string | string[]) => TfType.io.IOHandler);
}
