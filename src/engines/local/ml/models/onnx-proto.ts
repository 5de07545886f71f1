/**
 * Just enough of ONNX's protobuf schema to write a model in memory (esrgan-onnx.ts builds one from
 * a tfjs layers model at load time; nothing is written to disk). The messages and field numbers are
 * a subset of onnx/onnx.proto (github.com/onnx/onnx, Apache-2.0, see docs/licenses.md), restated as
 * a protobufjs JSON descriptor; fields we never set are left out, which protobuf allows.
 */
import protobuf from 'protobufjs';

const schema = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            producerName: { type: 'string', id: 2 },
            producerVersion: { type: 'string', id: 3 },
            graph: { type: 'GraphProto', id: 7 },
            opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
          },
        },
        OperatorSetIdProto: { fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } } },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            opType: { type: 'string', id: 4 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            ints: { rule: 'repeated', type: 'int64', id: 8 },
            type: { type: 'int32', id: 20 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 },
            dataType: { type: 'int32', id: 2 },
            name: { type: 'string', id: 8 },
            rawData: { type: 'bytes', id: 9 },
          },
        },
        ValueInfoProto: { fields: { name: { type: 'string', id: 1 }, type: { type: 'TypeProto', id: 2 } } },
        TypeProto: { fields: { tensorType: { type: 'TypeProtoTensor', id: 1 } } },
        TypeProtoTensor: { fields: { elemType: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } } },
        TensorShapeProto: { fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } } },
        Dimension: { fields: { dimValue: { type: 'int64', id: 1 }, dimParam: { type: 'string', id: 2 } } },
      },
    },
  },
};

/** onnx.proto's AttributeProto.AttributeType and TensorProto.DataType values we use. */
export const ATTR = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7 } as const;
export const DTYPE = { FLOAT: 1, INT64: 7 } as const;

export interface Attribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  ints?: number[];
}
export interface Node {
  name: string;
  opType: string;
  input: string[];
  output: string[];
  attribute?: Attribute[];
}
export interface Tensor {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}
export interface ValueInfo {
  name: string;
  type: { tensorType: { elemType: number; shape: { dim: ({ dimValue: number } | { dimParam: string })[] } } };
}
export interface Model {
  irVersion: number;
  producerName: string;
  producerVersion?: string;
  opsetImport: { domain: string; version: number }[];
  graph: { name: string; node: Node[]; initializer: Tensor[]; input: ValueInfo[]; output: ValueInfo[] };
}

let modelType: protobuf.Type | undefined;

/** The ModelProto bytes of `model`, as InferenceSession.create takes them. */
export function encodeModel(model: Model): Uint8Array {
  modelType ??= protobuf.Root.fromJSON(schema).lookupType('onnx.ModelProto');
  return modelType.encode(modelType.fromObject(model)).finish();
}
