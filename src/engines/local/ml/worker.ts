/**
 * The ML worker (see client.ts): hosts every model, loading each lazily on first use. Requests
 * arrive one at a time per model (the client queues); different models may overlap.
 */
import { parentPort } from 'node:worker_threads';
import { EditError } from '../../engine.js';
import { footprint } from './footprint.js';
import { ortDetail } from './models/ort.js';
import type { MlRequest, MlResponse, MlResult } from './protocol.js';

if (!parentPort) throw new Error('worker.ts must run in a worker thread');
const port = parentPort;

async function handle(req: MlRequest): Promise<MlResult> {
  switch (req.op) {
    case 'segment': {
      const { segmentForeground } = await import('./models/segment.js');
      return { kind: 'mask', mask: await segmentForeground(req.image) };
    }
    case 'faces': {
      const { detectFaces } = await import('./models/faces.js');
      return { kind: 'boxes', boxes: await detectFaces(req.image) };
    }
    case 'upscale': {
      const { upscale } = await import('./models/upscale.js');
      return { kind: 'image', image: await upscale(req.image, req.factor) };
    }
    case 'text': {
      const { detectText } = await import('./models/text.js');
      return { kind: 'boxes', boxes: await detectText(req.image) };
    }
    case 'inpaint': {
      const { inpaint } = await import('./models/inpaint.js');
      return { kind: 'image', image: await inpaint(req.image, req.mask) };
    }
    case 'sleep':
      await new Promise((r) => setTimeout(r, req.ms));
      return { kind: 'none' };
    case 'grow':
      held.push(new WebAssembly.Memory({ initial: Math.ceil((req.mb * 1024 * 1024) / 65536) }));
      return { kind: 'none' };
    case 'crash':
      process.exit(70);
  }
}

/** What 'grow' keeps alive. */
const held: WebAssembly.Memory[] = [];

function transferOf(r: MlResult): ArrayBuffer[] {
  switch (r.kind) {
    case 'mask':
      return [r.mask.buffer as ArrayBuffer];
    case 'image':
      return [r.image.data.buffer as ArrayBuffer];
    default:
      return [];
  }
}

port.on('message', (req: MlRequest) => {
  handle(req).then(
    (result) => {
      const res: MlResponse = { id: req.id, ok: true, result, footprint: footprint(), onnxRuntime: ortDetail() };
      // Results may share an ArrayBuffer with a pool (e.g. sharp output): transfer only whole buffers.
      const t = transferOf(result).filter((b, i, all) => all.indexOf(b) === i && isWhole(result, b));
      port.postMessage(res, t);
    },
    (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      const res: MlResponse =
        e instanceof EditError || (e as { name?: string }).name === 'EditError'
          ? { id: req.id, ok: false, code: (e as EditError).code, message: e.message, footprint: footprint() }
          : { id: req.id, ok: false, code: 'InternalError.Algo', message: `${req.op} failed: ${e.message}`, footprint: footprint() };
      port.postMessage(res);
    },
  );
});

function isWhole(r: MlResult, b: ArrayBuffer): boolean {
  const view = r.kind === 'mask' ? r.mask : r.kind === 'image' ? r.image.data : undefined;
  return !!view && view.byteOffset === 0 && view.byteLength === b.byteLength;
}
