// Malformed ONNX files for the reader's tests (not a test itself): a one-node graph whose weight
// tensor or input shape is forged, encoded with onnx-proto as a hostile file would be.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** An int64 as protobufjs writes it: a number, or two 32-bit halves for values past 2^53. */
export type Int64 = number | { low: number; high: number };

export interface ForgedTensor {
  dims: Int64[];
  rawData?: Uint8Array;
  floatData?: number[];
  external?: boolean;
}

/** A Relu on `x` (dims `inputDims`) with one initializer `W` as `tensor` describes it. */
export function forgedOnnx(tensor: ForgedTensor, inputDims: Int64[] = [1, 3, 8, 8]): Uint8Array {
  const W = {
    name: 'W',
    dims: tensor.dims,
    dataType: 1,
    ...(tensor.rawData ? { rawData: tensor.rawData } : {}),
    ...(tensor.floatData ? { floatData: tensor.floatData } : {}),
    ...(tensor.external
      ? { dataLocation: 1, externalData: [{ key: 'location', value: '../../secret.bin' }] }
      : {}),
  };
  const type = (dims: Int64[]) => ({
    tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'forged',
      node: [{ name: 'relu', opType: 'Relu', input: ['x'], output: ['y'] }],
      initializer: [W],
      input: [{ name: 'x', type: type(inputDims) }],
      output: [{ name: 'y', type: type([]) }],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
