// An ONNX model file as plain values: the graph's nodes in order with their attributes decoded,
// the initializers (weights) as typed arrays, the graph inputs and outputs with their shapes,
// and the default-domain opset. Decoding is onnx-proto's (protobufjs with the ONNX schema).
import onnxProto, { type onnx } from 'onnx-proto';
import { badInput } from '../../errors.js';

// A CommonJS module: its namespace comes through the default export under ESM.
const proto = onnxProto.onnx;

export interface OnnxTensor {
  name: string;
  dims: number[];
  /** Float tensors as Float32Array; integer ones (int32/int64) as plain numbers. */
  data: Float32Array | number[];
}

export type OnnxAttribute = number | number[] | string | OnnxTensor;

export interface OnnxNode {
  name: string;
  opType: string;
  /** '' marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attributes: Record<string, OnnxAttribute>;
}

export interface OnnxValue {
  name: string;
  /** null for a symbolic dimension (e.g. 'batch'). */
  shape: (number | null)[];
}

export interface OnnxGraph {
  opset: number;
  producer: string;
  inputs: OnnxValue[];
  outputs: OnnxValue[];
  initializers: Map<string, OnnxTensor>;
  nodes: OnnxNode[];
}

const FLOAT = 1;
const INT32 = 6;
const INT64 = 7;
const DOUBLE = 11;

const toNumber = (v: number | { toNumber(): number }) => (typeof v === 'number' ? v : v.toNumber());

export function decodeTensor(t: onnx.ITensorProto, where: string): OnnxTensor {
  const name = t.name ?? '';
  const dims = (t.dims ?? []).map(toNumber);
  const size = dims.reduce((a, b) => a * b, 1);
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : null;
  const view = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : null;
  const fail = () =>
    badInput(
      `${where}: tensor ${name} has data type ${t.dataType}; only float32, float64, int32 and int64 are read`,
    );
  let data: Float32Array | number[];
  switch (t.dataType) {
    case FLOAT:
      data = view
        ? Float32Array.from({ length: size }, (_, i) => view.getFloat32(i * 4, true))
        : Float32Array.from(t.floatData ?? []);
      break;
    case DOUBLE:
      data = view
        ? Float32Array.from({ length: size }, (_, i) => view.getFloat64(i * 8, true))
        : Float32Array.from(t.doubleData ?? []);
      break;
    case INT64:
      data = view
        ? Array.from({ length: size }, (_, i) => Number(view.getBigInt64(i * 8, true)))
        : (t.int64Data ?? []).map(toNumber);
      break;
    case INT32:
      data = view
        ? Array.from({ length: size }, (_, i) => view.getInt32(i * 4, true))
        : [...(t.int32Data ?? [])];
      break;
    default:
      throw fail();
  }
  if (data.length !== size)
    throw badInput(`${where}: tensor ${name} holds ${data.length} values for dims [${dims}]`);
  return { name, dims, data };
}

function decodeAttribute(a: onnx.IAttributeProto, where: string): OnnxAttribute | undefined {
  const T = proto.AttributeProto.AttributeType;
  switch (a.type) {
    case T.FLOAT:
      return a.f ?? 0;
    case T.INT:
      return toNumber(a.i ?? 0);
    case T.STRING:
      return new TextDecoder().decode(a.s ?? new Uint8Array());
    case T.TENSOR:
      return a.t ? decodeTensor(a.t, where) : undefined;
    case T.FLOATS:
      return [...(a.floats ?? [])];
    case T.INTS:
      return (a.ints ?? []).map(toNumber);
    default:
      return undefined; // graphs, strings lists, …: no CNN operator here needs them
  }
}

function valueInfo(v: onnx.IValueInfoProto): OnnxValue {
  const dims = v.type?.tensorType?.shape?.dim ?? [];
  return {
    name: v.name ?? '',
    shape: dims.map((d) =>
      d.dimValue !== undefined && d.dimValue !== null ? toNumber(d.dimValue) : null,
    ),
  };
}

export function parseOnnx(bytes: Uint8Array, where: string): OnnxGraph {
  let model: onnx.ModelProto;
  try {
    model = proto.ModelProto.decode(bytes);
  } catch (err) {
    throw badInput(`${where}: not an ONNX model (${(err as Error).message})`);
  }
  const graph = model.graph;
  if (!graph?.node?.length) throw badInput(`${where}: the ONNX model has no graph`);
  const opset = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  const initializers = new Map<string, OnnxTensor>();
  for (const t of graph.initializer ?? []) initializers.set(t.name ?? '', decodeTensor(t, where));
  const nodes = graph.node.map((n, i) => {
    const name = n.name || `${n.opType}_${i}`;
    const attributes: Record<string, OnnxAttribute> = {};
    for (const a of n.attribute ?? []) {
      const value = decodeAttribute(a, `${where}: node ${name}`);
      if (value !== undefined) attributes[a.name ?? ''] = value;
    }
    return {
      name,
      opType: n.opType ?? '',
      inputs: [...(n.input ?? [])],
      outputs: [...(n.output ?? [])],
      attributes,
    };
  });
  return {
    opset: opset ? toNumber(opset.version ?? 0) : 0,
    producer: `${model.producerName ?? ''} ${model.producerVersion ?? ''}`.trim(),
    // Graph inputs may list the initializers too (older exporters): keep the real inputs.
    inputs: (graph.input ?? []).map(valueInfo).filter((v) => !initializers.has(v.name)),
    outputs: (graph.output ?? []).map(valueInfo),
    initializers,
    nodes,
  };
}
