/**
 * The second thread of a 2x/4x upscale (models/upscale.ts): started by the ML worker, takes tiles
 * from the job's shared queue with its own tfjs-wasm instance until none is left, then answers how
 * many it ran (the pixels are already in the job's shared output).
 */
import { parentPort } from 'node:worker_threads';
import { footprint } from './footprint.js';
import { runTiles, type TileJob } from './models/upscale.js';

if (!parentPort) throw new Error('upscale-helper.ts must run in a worker thread');
const port = parentPort;

port.on('message', (m: { id: number; job: TileJob }) => {
  runTiles(m.job).then(
    (ran) => port.postMessage({ id: m.id, ran, footprint: footprint() }),
    (err: unknown) => port.postMessage({ id: m.id, error: err instanceof Error ? err.message : String(err) }),
  );
});
