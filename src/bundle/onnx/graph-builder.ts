// Collects ONNX nodes, initializers and graph inputs/outputs and encodes them as a ModelProto with
// onnx-proto (protobufjs with the ONNX schema). Names are made unique here so converters can name
// nodes after the layers they come from without tracking collisions.
import onnxProto, { type onnx } from 'onnx-proto';

// A CommonJS module: its namespace comes through the default export under ESM.
const proto = onnxProto.onnx;

/** The default-domain opset the exporter writes (LayerNormalization needs 17). */
export const EXPORT_OPSET = 17;
const IR_VERSION = 8;
const FLOAT = 1;
const INT64 = 7;

export type AttributeValue = number | number[] | string | { float: number } | { floats: number[] };

/** `{ float: x }` forces a float attribute for an integral value (ONNX attributes are typed). */
export const float = (value: number) => ({ float: value });
export const floats = (values: number[]) => ({ floats: values });

function attribute(name: string, value: AttributeValue): onnx.IAttributeProto {
  const T = proto.AttributeProto.AttributeType;
  if (typeof value === 'string')
    return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') return { name, type: T.INT, i: value };
  if (Array.isArray(value)) return { name, type: T.INTS, ints: value };
  if ('float' in value) return { name, type: T.FLOAT, f: value.float };
  return { name, type: T.FLOATS, floats: value.floats };
}

export interface GraphValue {
  name: string;
  /** null for a symbolic dimension (the batch). */
  shape: (number | null)[];
}

export class GraphBuilder {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly used = new Set<string>();
  private readonly floatsByKey = new Map<string, { name: string; data: Float32Array }[]>();

  /** A fresh name based on `base`. */
  unique(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_./:-]/g, '_') || 'value';
    let name = clean;
    for (let i = 1; this.used.has(name); i++) name = `${clean}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Adds a node with one output and returns the output's name. */
  node(
    opType: string,
    inputs: string[],
    attrs: Record<string, AttributeValue> = {},
    name = opType,
  ): string {
    return this.nodeTo(this.unique(name), opType, inputs, attrs);
  }

  /** Adds a node writing to `output`, a name taken earlier with unique(). */
  nodeTo(
    output: string,
    opType: string,
    inputs: string[],
    attrs: Record<string, AttributeValue> = {},
  ): string {
    this.nodes.push({
      name: output,
      opType,
      input: inputs,
      output: [output],
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return output;
  }

  /** A float32 initializer (weights), stored as raw little-endian bytes. Asked again for the
   * same name, shape and values (a shared layer's next call), it returns the first one. */
  floats(name: string, dims: number[], values: Float32Array | number[]): string {
    const data = Float32Array.from(values);
    if (data.length !== dims.reduce((a, b) => a * b, 1))
      throw new Error(`initializer ${name}: ${data.length} values for shape [${dims}]`);
    const key = `${name}[${dims}]`;
    const same = this.floatsByKey.get(key)?.find((f) => f.data.every((v, i) => v === data[i]));
    if (same) return same.name;
    const unique = this.unique(name);
    this.floatsByKey.set(key, [...(this.floatsByKey.get(key) ?? []), { name: unique, data }]);
    this.initializers.push({
      name: unique,
      dims,
      dataType: FLOAT,
      rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
    return unique;
  }

  /** An int64 initializer (shapes, axes, pads for ops that take them as inputs). */
  ints(name: string, values: number[]): string {
    const unique = this.unique(name);
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.initializers.push({
      name: unique,
      dims: [values.length],
      dataType: INT64,
      rawData: new Uint8Array(data.buffer),
    });
    return unique;
  }

  encode(options: {
    graphName: string;
    inputs: GraphValue[];
    outputs: GraphValue[];
    docString?: string;
    metadata?: Record<string, string>;
  }): Uint8Array {
    const valueInfo = (v: GraphValue): onnx.IValueInfoProto => ({
      name: v.name,
      type: {
        tensorType: {
          elemType: FLOAT,
          shape: {
            dim: v.shape.map((d) => (d === null ? { dimParam: 'batch' } : { dimValue: d })),
          },
        },
      },
    });
    const model = proto.ModelProto.create({
      irVersion: IR_VERSION,
      producerName: 'visiontune',
      opsetImport: [{ domain: '', version: EXPORT_OPSET }],
      docString: options.docString ?? '',
      metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({
        key,
        value,
      })),
      graph: {
        name: options.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: options.inputs.map(valueInfo),
        output: options.outputs.map(valueInfo),
      },
    });
    return proto.ModelProto.encode(model).finish();
  }
}
