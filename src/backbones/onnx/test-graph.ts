// One-node ONNX models encoded with onnx-proto, for the importer's tests (not a test itself).
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export interface Initializer {
  name: string;
  dims: number[];
  values: number[];
}

export function singleNodeModel(
  opType: string,
  inputDims: number[],
  attrs: Record<string, number | number[]>,
  initializers: Initializer[] = [],
): Uint8Array {
  const attribute = Object.entries(attrs).map(([name, v]) =>
    Array.isArray(v)
      ? { name, type: onnx.AttributeProto.AttributeType.INTS, ints: v }
      : { name, type: onnx.AttributeProto.AttributeType.INT, i: v },
  );
  const tensorType = (dims: number[]) => ({
    tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: opType,
      node: [
        {
          name: 'node',
          opType,
          input: ['x', ...initializers.map((t) => t.name)],
          output: ['y'],
          attribute,
        },
      ],
      initializer: initializers.map((t) => ({
        name: t.name,
        dims: t.dims,
        dataType: 1,
        floatData: t.values,
      })),
      input: [{ name: 'x', type: tensorType(inputDims) }],
      output: [{ name: 'y', type: tensorType([]) }],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
