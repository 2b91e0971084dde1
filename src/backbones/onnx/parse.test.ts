import assert from 'node:assert/strict';
import { test } from 'node:test';
import onnxProto from 'onnx-proto';
import { VisiontuneError } from '../../errors.js';
import { forgedOnnx } from './malformed.js';
import { parseOnnx } from './parse.js';
import { convertBytes, graphModel } from './test-graph.js';

const floats = (n: number) => new Uint8Array(new Float32Array(n).buffer);
/** 2^62 as an int64: far past what any file could hold, and past 2^53. */
const HUGE = { low: 0, high: 0x40000000 };

function refused(bytes: Uint8Array, ...texts: RegExp[]) {
  assert.throws(
    () => parseOnnx(bytes, 'm.onnx'),
    (err: unknown) => {
      assert.ok(err instanceof VisiontuneError && err.exitCode === 2, String(err));
      for (const t of texts) assert.match(err.message, t);
      return true;
    },
  );
}

test('a well-formed tensor reads', () => {
  const graph = parseOnnx(forgedOnnx({ dims: [2, 3], rawData: floats(6) }), 'm.onnx');
  assert.deepEqual(graph.initializers.get('W')?.dims, [2, 3]);
  assert.deepEqual(graph.inputs[0]?.shape, [1, 3, 8, 8]);
});

test('forged dims and data sizes are refused, naming the file, the tensor and the reason', () => {
  refused(
    forgedOnnx({ dims: [HUGE], rawData: floats(4) }),
    /^m\.onnx: tensor W: dimension \d+ is too large/,
  );
  refused(forgedOnnx({ dims: [-3], rawData: floats(4) }), /tensor W: dimension -3 is negative/);
  refused(
    forgedOnnx({ dims: [2 ** 30, 2 ** 30, 2 ** 30], rawData: floats(4) }),
    /tensor W: dims \[.*\] describe an impossible size/,
  );
  refused(
    forgedOnnx({ dims: [1000, 1000], rawData: floats(4) }),
    /tensor W: raw_data holds 16 bytes but dims \[1000,1000\] need 4000000/,
  );
  refused(
    forgedOnnx({ dims: [2], rawData: floats(400) }),
    /raw_data holds 1600 bytes but dims \[2\] need 8/,
  );
  refused(forgedOnnx({ dims: [5], floatData: [1, 2] }), /tensor W: holds 2 values for dims \[5\]/);
  refused(
    forgedOnnx({ dims: [4], external: true }),
    /tensor W: its data is in an external file, which is read only beside a model file/,
  );
});

test('a graph input with a forged dimension is refused naming it', () => {
  refused(
    forgedOnnx({ dims: [1], rawData: floats(1) }, [1, 3, HUGE, HUGE]),
    /graph value x: dimension \d+ is too large/,
  );
  refused(
    forgedOnnx({ dims: [1], rawData: floats(1) }, [1, 3, -8, -8]),
    /graph value x: dimension -8 is negative/,
  );
});

/** `graph` with one more initializer: `name` of data type `type` holding `raw` bytes. */
function withRawInitializer(
  bytes: Uint8Array,
  name: string,
  type: number,
  dims: number[],
  raw: number[],
) {
  const model = onnxProto.onnx.ModelProto.decode(bytes);
  model.graph!.initializer!.push(
    onnxProto.onnx.TensorProto.create({ name, dims, dataType: type, rawData: new Uint8Array(raw) }),
  );
  return onnxProto.onnx.ModelProto.encode(model).finish();
}

test('bool constants read as 0 and 1 (Swin masks)', () => {
  const bytes = withRawInitializer(
    graphModel([1, 3, 8, 8], [{ opType: 'Relu', inputs: ['x'], outputs: ['y'] }]),
    'mask',
    9,
    [3],
    [1, 0, 7],
  );
  assert.deepEqual(parseOnnx(bytes, 'm.onnx').initializers.get('mask')?.data, [1, 0, 1]);
});

test('unsupported operators are refused with their list before any data-type error', () => {
  const nodes = [{ opType: 'Add', inputs: ['x', 'half'], outputs: ['a'] }];
  // float16: a type the reader does not decode.
  const half = (ops: typeof nodes) =>
    withRawInitializer(graphModel([1, 3, 8, 8], ops), 'half', 10, [1], [0, 60]);
  assert.throws(
    () => convertBytes(half([...nodes, { opType: 'LRN', inputs: ['a'], outputs: ['y'] }])),
    /unsupported ONNX operators: LRN$/,
  );
  assert.throws(
    () => convertBytes(half(nodes)),
    /tensor half has data type 10; only float32\/64, int8–64, uint8\/16 and bool are read/,
  );
});
