// ONNX external data: a Gemm whose weights sit in a file beside the model (as torch.onnx.export
// writes models over 2 GB) imports and computes x·Wᵀ + b; a missing data file, a location that
// leaves the model's folder and a file too short for the tensor are refused by name. Large
// weights inside the model file are re-read from it (modelFileReader), not held in its bytes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import onnxProto from 'onnx-proto';
import { convertGraph } from './convert.js';
import { externalDataReader, modelFileReader } from './external-data.js';
import { transposed2d } from './layout.js';
import { parseOnnx } from './parse.js';
import { graphModel, normals } from './test-graph.js';

const { onnx } = onnxProto;
const [C, K] = [3, 4];

/** Flatten → Gemm(transB) on [1, 3, 1, 1], its weight W [K, C] stored in `location`. */
function modelWithExternalWeight(location: string, offset: number) {
  const model = onnx.ModelProto.decode(
    graphModel(
      [1, C, 1, 1],
      [
        { opType: 'Flatten', inputs: ['x'], outputs: ['f'] },
        { opType: 'Gemm', inputs: ['f', 'W', 'b'], outputs: ['y'], attrs: { transB: 1 } },
      ],
      [{ name: 'b', dims: [K], values: [1, 2, 3, 4] }],
    ),
  );
  model.graph!.initializer!.push(
    onnx.TensorProto.create({
      name: 'W',
      dims: [K, C],
      dataType: 1,
      dataLocation: 1,
      externalData: [
        { key: 'location', value: location },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(K * C * 4) },
      ],
    }),
  );
  return onnx.ModelProto.encode(model).finish();
}

test('external data is read beside the model; missing, escaping or short files are refused', async () => {
  await tf.setBackend('cpu');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'onnx-external-'));
  try {
    const w = normals(K * C, 3);
    const file = path.join(dir, 'model.onnx');
    const parse = (bytes: Uint8Array) =>
      convertGraph(parseOnnx(bytes, file, { externalData: externalDataReader(file) }));
    // Eight bytes of something else first: the offset is honoured.
    writeFileSync(
      path.join(dir, 'weights.bin'),
      Buffer.concat([Buffer.alloc(8, 7), Buffer.from(new Float32Array(w).buffer)]),
    );
    const x = [0.5, -1, 2];
    const y = (
      parse(modelWithExternalWeight('weights.bin', 8)).predict(
        tf.tensor4d(x, [1, 1, 1, C]),
      ) as tf.Tensor
    ).dataSync();
    const want = [0, 1, 2, 3].map((k) => k + 1 + x.reduce((s, v, c) => s + v * w[k * C + c], 0));
    for (const [k, v] of want.entries())
      assert.ok(Math.abs(y[k] - v) < 1e-5, `${k}: ${y[k]} vs ${v}`);
    assert.throws(
      () => parse(modelWithExternalWeight('gone.bin', 0)),
      /model\.onnx: tensor W: external data gone\.bin: file not found \(the data files must stay beside model\.onnx\)/,
    );
    assert.throws(
      () => parse(modelWithExternalWeight('../secret.bin', 0)),
      /tensor W: external data \.\.\/secret\.bin: the data file must be inside the model's folder/,
    );
    symlinkSync('/etc/hostname', path.join(dir, 'link.bin'));
    assert.throws(
      () => parse(modelWithExternalWeight('link.bin', 0)),
      /the data file must be inside the model's folder/,
    );
    assert.throws(() => parse(modelWithExternalWeight('weights.bin', 16)), /are past its end/);
    // Without a reader (parseOnnx alone), such a tensor is refused as before.
    assert.throws(
      () => parseOnnx(modelWithExternalWeight('weights.bin', 8), file),
      /tensor W: its data is in an external file, which is read only beside a model file/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Flatten → Gemm(transB) on [1, C, 1, 1] with weights W [k, C] and bias b in raw_data. */
function modelWithRawWeights(k: number, c: number, w: number[], b: number[]) {
  const model = onnx.ModelProto.decode(
    graphModel(
      [1, c, 1, 1],
      [
        { opType: 'Flatten', inputs: ['x'], outputs: ['f'] },
        { opType: 'Gemm', inputs: ['f', 'W', 'b'], outputs: ['y'], attrs: { transB: 1 } },
      ],
    ),
  );
  const raw = (values: number[]) => new Uint8Array(new Float32Array(values).buffer);
  model.graph!.initializer!.push(
    onnx.TensorProto.create({ name: 'W', dims: [k, c], dataType: 1, rawData: raw(w) }),
    onnx.TensorProto.create({ name: 'b', dims: [k], dataType: 1, rawData: raw(b) }),
  );
  return onnx.ModelProto.encode(model).finish();
}

test('large weights are re-read from the model file, never viewed in its parsed bytes', async () => {
  await tf.setBackend('cpu');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'onnx-reread-'));
  try {
    // W holds more values than parse.ts keeps decoded (2^16); b fewer.
    const [k, c] = [300, 256];
    const w = normals(k * c, 5);
    const b = normals(k, 6);
    const file = path.join(dir, 'model.onnx');
    const bytes = modelWithRawWeights(k, c, w, b);
    writeFileSync(file, bytes);
    const reads: string[] = [];
    const reader = modelFileReader(file, bytes.byteLength);
    const graph = parseOnnx(bytes, file, {
      reread: (offset, length, tensor) => {
        reads.push(tensor);
        return reader(offset, length, tensor);
      },
    });
    const W = graph.initializers.get('W')!.data as Float32Array;
    const B = graph.initializers.get('b')!.data as Float32Array;
    assert.deepEqual(reads, ['W']);
    assert.deepEqual(Array.from(W), Array.from(new Float32Array(w)));
    assert.deepEqual(Array.from(B), Array.from(new Float32Array(b)));
    // Neither holds the parsed file's buffer (which would keep every weight alive).
    assert.notEqual(W.buffer, bytes.buffer);
    assert.notEqual(B.buffer, bytes.buffer);
    // Parts read alone, and Wᵀ assembled from blocks of rows (131 rows: the last block short).
    const tensor = graph.initializers.get('W')!;
    assert.deepEqual(
      Array.from(tensor.floats!(c * 7 + 3, 500)),
      w.slice(c * 7 + 3, c * 7 + 503).map(Math.fround),
    );
    const wt = transposed2d(tensor, 131 * c).arraySync();
    for (const [i, row] of wt.entries())
      assert.deepEqual(
        row,
        Array.from({ length: k }, (_, r) => Math.fround(w[r * c + i]!)),
      );
    // The converted Gemm computes x·Wᵀ + b.
    const x = normals(c, 7);
    const y = (convertGraph(graph).predict(tf.tensor4d(x, [1, 1, 1, c])) as tf.Tensor).dataSync();
    for (let j = 0; j < k; j++) {
      const want = b[j]! + x.reduce((sum, v, i) => sum + v * w[j * c + i]!, 0);
      assert.ok(Math.abs(y[j]! - want) < 1e-4, `${j}: ${y[j]} vs ${want}`);
    }
    // A file that changed since it was parsed is refused, naming the tensor.
    writeFileSync(file, Buffer.concat([bytes, Buffer.alloc(1)]));
    assert.throws(
      () => graph.initializers.get('W')!.data,
      /model\.onnx: tensor W: the file changed while it was being imported/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
