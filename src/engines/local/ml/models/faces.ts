/**
 * Face detection: MediaPipe BlazeFace (Apache-2.0) as packaged by @vladmandic/human (MIT), on
 * tfjs-wasm. Only the detector runs (mesh, iris, description, emotion are off). Large inputs are
 * resized to at most DETECT_MAX on the longer side and the boxes mapped back.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as TfType from '@tensorflow/tfjs';
import type { Box } from '../types.js';
import type { WireImage } from '../protocol.js';
import { fitScale, resizedRgb } from './pixels.js';
import { getTf, wasmDir } from './tf.js';

const require = createRequire(import.meta.url);
const DETECT_MAX = 1024;

interface HumanFace {
  box: [number, number, number, number];
  score: number;
  boxScore?: number;
}
interface HumanInstance {
  load(): Promise<void>;
  detect(input: TfType.Tensor): Promise<{ face: HumanFace[]; error?: string | null }>;
}
type HumanCtor = new (config: Record<string, unknown>) => HumanInstance;

let human: Promise<HumanInstance> | undefined;

function humanDir(): string {
  // The package's "exports" only expose dist/human.node.js (tfjs-node flavour): go to its folder.
  return path.dirname(path.dirname(require.resolve('@vladmandic/human')));
}

function loadHuman(): Promise<HumanInstance> {
  human ??= (async () => {
    await getTf();
    const dir = humanDir();
    const { Human } = require(path.join(dir, 'dist', 'human.node-wasm.js')) as { Human: HumanCtor };
    const off = { enabled: false };
    const h = new Human({
      backend: 'wasm',
      wasmPath: wasmDir(),
      modelBasePath: 'file://' + path.join(dir, 'models') + '/',
      debug: false,
      async: true,
      warmup: 'none',
      cacheSensitivity: 0,
      filter: { enabled: false },
      face: {
        enabled: true,
        detector: {
          modelPath: 'blazeface.json',
          rotation: false,
          maxDetected: 50,
          minConfidence: 0.3,
          iouThreshold: 0.3,
          skipFrames: 0,
          skipTime: 0,
          return: false,
        },
        mesh: off,
        iris: off,
        attention: off,
        description: off,
        emotion: off,
        antispoof: off,
        liveness: off,
        gear: off,
      },
      body: off,
      hand: off,
      object: off,
      gesture: off,
      segmentation: off,
    });
    await h.load();
    return h;
  })();
  human.catch(() => {
    human = undefined;
  });
  return human;
}

export async function detectFaces(img: WireImage): Promise<Box[]> {
  const tf = await getTf();
  const h = await loadHuman();
  const s = fitScale(img.width, img.height, DETECT_MAX);
  const w = Math.max(1, Math.round(img.width * s));
  const ht = Math.max(1, Math.round(img.height * s));
  const rgb = await resizedRgb(img, w, ht);
  const input = tf.tensor4d(new Int32Array(rgb), [1, ht, w, 3], 'int32');
  try {
    const res = await h.detect(input);
    if (res.error) throw new Error(`face detection failed: ${res.error}`);
    const sx = img.width / w;
    const sy = img.height / ht;
    const boxes: Box[] = [];
    for (const f of res.face) {
      const [bx, by, bw, bh] = f.box;
      const x0 = Math.max(0, Math.round(bx * sx));
      const y0 = Math.max(0, Math.round(by * sy));
      const x1 = Math.min(img.width, Math.round((bx + bw) * sx));
      const y1 = Math.min(img.height, Math.round((by + bh) * sy));
      if (x1 <= x0 || y1 <= y0) continue;
      boxes.push({ x: x0, y: y0, width: x1 - x0, height: y1 - y0, score: f.boxScore ?? f.score });
    }
    return boxes;
  } finally {
    input.dispose();
  }
}
