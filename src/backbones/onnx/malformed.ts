// Malformed ONNX files for the reader's tests (not a test itself): a one-node graph whose weight
// tensor or input shape is forged, encoded with onnx-proto as a hostile file would be.
import onnxProto from 'onnx-proto';
import { graphModel } from './test-graph.js';

const { onnx } = onnxProto;

/** An int64 as protobufjs writes it: a number, or two 32-bit halves for values past 2^53. */
export type Int64 = number | { low: number; high: number };

export interface ForgedTensor {
  dims: Int64[];
  rawData?: Uint8Array;
  floatData?: number[];
  /** Marks the data as stored in a file beside the model (a path leaving its folder). */
  external?: boolean;
}

/** A Relu on `x` (dims `inputDims`) with one initializer `W` as `tensor` describes it. */
export function forgedOnnx(tensor: ForgedTensor, inputDims: Int64[] = [1, 3, 8, 8]): Uint8Array {
  const model = onnx.ModelProto.decode(
    graphModel([1, 3, 8, 8], [{ name: 'relu', opType: 'Relu', inputs: ['x'], outputs: ['y'] }]),
  );
  const graph = model.graph!;
  graph.initializer = [
    onnx.TensorProto.create({
      name: 'W',
      dims: tensor.dims,
      dataType: 1,
      ...(tensor.rawData ? { rawData: tensor.rawData } : {}),
      ...(tensor.floatData ? { floatData: tensor.floatData } : {}),
      ...(tensor.external
        ? { dataLocation: 1, externalData: [{ key: 'location', value: '../../secret.bin' }] }
        : {}),
    }),
  ];
  graph.input![0]!.type!.tensorType!.shape!.dim = inputDims.map((d) =>
    onnx.TensorShapeProto.Dimension.create({ dimValue: d }),
  );
  return onnx.ModelProto.encode(model).finish();
}
