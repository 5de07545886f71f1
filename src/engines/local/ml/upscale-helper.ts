/**
 * The second thread of a 2x/4x upscale (models/upscale.ts): started by the ML worker, runs the
 * model on the band it is sent with its own tfjs-wasm instance, answers the RGB bytes.
 */
import { parentPort } from 'node:worker_threads';
import { footprint } from './footprint.js';
import { upscaleModel } from './models/upscale.js';
import type { WireImage } from './protocol.js';

if (!parentPort) throw new Error('upscale-helper.ts must run in a worker thread');
const port = parentPort;

port.on('message', (m: { id: number; image: WireImage; factor: 2 | 4 }) => {
  upscaleModel(m.image, m.factor).then(
    (rgb) => port.postMessage({ id: m.id, rgb, footprint: footprint() }, [rgb.buffer as ArrayBuffer]),
    (err: unknown) => port.postMessage({ id: m.id, error: err instanceof Error ? err.message : String(err) }),
  );
});
