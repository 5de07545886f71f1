/**
 * ESRGAN-slim's tfjs layers model (model.json + its weight shards, as @upscalerjs/esrgan-slim ships
 * them) rewritten as an ONNX graph in memory, so that ONNX Runtime (native where it loads, ort.ts)
 * runs it instead of tfjs-wasm. Only the layer kinds the model uses are handled, and any setting
 * this translation does not reproduce exactly is refused rather than approximated:
 *
 *   InputLayer            -> the graph input, NCHW float32 (0..255, as the tfjs model takes)
 *   Conv2D                -> Conv; kernel HWIO -> OIHW; 'same' with an odd kernel = symmetric pads
 *   Activation relu       -> Relu
 *   Concatenate (axis -1) -> Concat on axis 1
 *   Add                   -> Add (or Sum for more than two inputs)
 *   UpSampling2D nearest  -> Resize nearest with asymmetric coordinates and floor, which is
 *                            tfjs's out[i] = in[floor(i / size)]
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ATTR, DTYPE, encodeModel, type Node, type Tensor } from './onnx-proto.js';

interface Layer {
  class_name: string;
  name: string;
  config: Record<string, unknown>;
  inbound_nodes: [string, number, number, object][][];
}

interface ModelJson {
  modelTopology: { model_config: { config: { layers: Layer[]; input_layers: [string, number, number][]; output_layers: [string, number, number][] } } };
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string; quantization?: unknown }[] }[];
}

export const INPUT = 'input';
export const OUTPUT = 'output';

/** The ONNX ModelProto bytes for the tfjs layers model at `modelJsonPath`. */
export async function esrganToOnnx(modelJsonPath: string): Promise<Uint8Array> {
  const mj = JSON.parse(await readFile(modelJsonPath, 'utf8')) as ModelJson;
  const weights = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const group of mj.weightsManifest) {
    const bytes = Buffer.concat(await Promise.all(group.paths.map((p) => readFile(path.join(path.dirname(modelJsonPath), p)))));
    let offset = 0;
    for (const w of group.weights) {
      if (w.dtype !== 'float32' || w.quantization) throw new Error(`esrgan-onnx: weight ${w.name} is ${w.dtype}${w.quantization ? ' (quantised)' : ''}`);
      const n = w.shape.reduce((a, b) => a * b, 1);
      // A copy: the shard's Buffer may sit unaligned in Node's pool.
      weights.set(w.name, { shape: w.shape, data: new Float32Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + n * 4)) });
      offset += n * 4;
    }
  }
  const weight = (name: string) => {
    const w = weights.get(name);
    if (!w) throw new Error(`esrgan-onnx: no weight ${name}`);
    return w;
  };

  const cfg = mj.modelTopology.model_config.config;
  const nodes: Node[] = [];
  const inits: Tensor[] = [];
  const init = (name: string, dims: number[], data: Float32Array): string => {
    inits.push({ name, dims, dataType: DTYPE.FLOAT, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
    return name;
  };
  // A tensor is named after the layer that produces it; the input layer's is the graph input.
  const tensor = (layer: string) => (layer === cfg.input_layers[0]![0] ? INPUT : layer);
  if (cfg.input_layers.length !== 1 || cfg.output_layers.length !== 1) throw new Error('esrgan-onnx: expected one input and one output');

  for (const l of cfg.layers) {
    const c = l.config;
    const inputs = (l.inbound_nodes[0] ?? []).map((n) => tensor(n[0]));
    const out = tensor(l.name);
    switch (l.class_name) {
      case 'InputLayer':
        break;
      case 'Conv2D': {
        const [kh, kw] = c.kernel_size as [number, number];
        const same = c.padding === 'same';
        if (c.data_format !== 'channels_last' || String(c.strides) !== '1,1' || String(c.dilation_rate) !== '1,1' || (c.groups ?? 1) !== 1) {
          throw new Error(`esrgan-onnx: unsupported Conv2D settings in ${l.name}`);
        }
        if ((same && (kh % 2 === 0 || kw % 2 === 0)) || (!same && c.padding !== 'valid')) throw new Error(`esrgan-onnx: unsupported padding in ${l.name}`);
        if (c.activation !== 'linear' && c.activation !== 'relu') throw new Error(`esrgan-onnx: unsupported activation ${String(c.activation)} in ${l.name}`);
        const k = weight(`${l.name}/kernel`);
        const [, , ci, co] = k.shape as [number, number, number, number];
        const oihw = new Float32Array(k.data.length);
        for (let y = 0; y < kh; y++)
          for (let x = 0; x < kw; x++)
            for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) oihw[((o * ci + i) * kh + y) * kw + x] = k.data[((y * kw + x) * ci + i) * co + o]!;
        const convInputs = [inputs[0]!, init(`${l.name}/W`, [co, ci, kh, kw], oihw)];
        if (c.use_bias) convInputs.push(init(`${l.name}/B`, [co], weight(`${l.name}/bias`).data));
        const ph = same ? (kh - 1) / 2 : 0;
        const pw = same ? (kw - 1) / 2 : 0;
        const convOut = c.activation === 'relu' ? `${l.name}/conv` : out;
        nodes.push({
          name: l.name,
          opType: 'Conv',
          input: convInputs,
          output: [convOut],
          attribute: [
            { name: 'kernel_shape', type: ATTR.INTS, ints: [kh, kw] },
            { name: 'pads', type: ATTR.INTS, ints: [ph, pw, ph, pw] },
          ],
        });
        if (c.activation === 'relu') nodes.push({ name: `${l.name}/relu`, opType: 'Relu', input: [convOut], output: [out] });
        break;
      }
      case 'Activation':
        if (c.activation !== 'relu') throw new Error(`esrgan-onnx: unsupported activation ${String(c.activation)} in ${l.name}`);
        nodes.push({ name: l.name, opType: 'Relu', input: inputs, output: [out] });
        break;
      case 'Concatenate':
        if (c.axis !== -1 && c.axis !== 3) throw new Error(`esrgan-onnx: Concatenate on axis ${String(c.axis)} in ${l.name}`);
        nodes.push({ name: l.name, opType: 'Concat', input: inputs, output: [out], attribute: [{ name: 'axis', type: ATTR.INT, i: 1 }] });
        break;
      case 'Add':
        nodes.push({ name: l.name, opType: inputs.length === 2 ? 'Add' : 'Sum', input: inputs, output: [out] });
        break;
      case 'UpSampling2D': {
        const [sh, sw] = c.size as [number, number];
        if (c.interpolation !== 'nearest' || c.data_format !== 'channels_last') throw new Error(`esrgan-onnx: unsupported UpSampling2D in ${l.name}`);
        const text = (s: string) => new TextEncoder().encode(s);
        nodes.push({
          name: l.name,
          opType: 'Resize',
          input: [inputs[0]!, '', init(`${l.name}/scales`, [4], new Float32Array([1, 1, sh, sw]))],
          output: [out],
          attribute: [
            { name: 'mode', type: ATTR.STRING, s: text('nearest') },
            { name: 'coordinate_transformation_mode', type: ATTR.STRING, s: text('asymmetric') },
            { name: 'nearest_mode', type: ATTR.STRING, s: text('floor') },
          ],
        });
        break;
      }
      default:
        throw new Error(`esrgan-onnx: unsupported layer ${l.class_name} (${l.name})`);
    }
  }
  // The graph output gets a fixed name (an Identity costs nothing once ORT has optimised it away).
  nodes.push({ name: 'output', opType: 'Identity', input: [tensor(cfg.output_layers[0]![0])], output: [OUTPUT] });

  const nchw = (name: string, c: number, h: string, w: string) => ({
    name,
    type: { tensorType: { elemType: DTYPE.FLOAT, shape: { dim: [{ dimValue: 1 }, { dimValue: c }, { dimParam: h }, { dimParam: w }] } } },
  });
  return encodeModel({
    irVersion: 8,
    producerName: 'retouch esrgan-onnx',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'esrgan-slim',
      node: nodes,
      initializer: inits,
      input: [nchw(INPUT, 3, 'height', 'width')],
      output: [nchw(OUTPUT, 3, 'outHeight', 'outWidth')],
    },
  });
}
