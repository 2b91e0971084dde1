// Every exportable layer class, with random weights and odd, non-square sizes (where TF's 'same'
// padding is asymmetric), run in tfjs (cpu backend, the reference) and in ONNX Runtime.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import onnxProto from 'onnx-proto';
import { OnnxUnary } from '../../backbones/onnx/layers.js';
import { L2Normalize } from '../../heads/l2-normalize.js';
import { AtrousConv2D } from '../../heads/segmentation/atrous-conv.js';
import { Standardize } from '../../heads/standardize.js';
import { EXPORTABLE_LAYERS, layersModelToOnnx } from './export-model.js';
import { compareWithOnnx, randomizeWeights } from './test-models.js';

type Sym = tf.SymbolicTensor;
const apply = (layer: tf.layers.Layer, x: Sym | Sym[]) => layer.apply(x) as Sym;

/** Convolutions, pooling, padding, upsampling and merges on a 13×11 image; two outputs. */
function spatialZoo(): tf.LayersModel {
  const input = tf.input({ shape: [13, 11, 3] });
  let x = apply(
    tf.layers.conv2d({
      filters: 8,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'relu',
    }),
    input,
  );
  x = apply(tf.layers.batchNormalization({ epsilon: 1e-3 }), x);
  x = apply(tf.layers.reLU({ maxValue: 6 }), x);
  const depthwise = apply(
    tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same' }),
    x,
  );
  const separable = apply(
    tf.layers.separableConv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'elu' }),
    x,
  );
  x = apply(tf.layers.add(), [depthwise, separable]);
  x = apply(tf.layers.multiply(), [x, apply(tf.layers.activation({ activation: 'sigmoid' }), x)]);
  const padded = apply(
    tf.layers.zeroPadding2d({
      padding: [
        [1, 2],
        [0, 1],
      ],
    }),
    x,
  );
  const dilated = apply(
    tf.layers.conv2d({ filters: 8, kernelSize: 3, dilationRate: 2, padding: 'valid' }),
    padded,
  );
  const maxPooled = apply(
    tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
    dilated,
  );
  const avgPooled = apply(
    tf.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same' }),
    maxPooled,
  );
  const nearest = apply(tf.layers.upSampling2d({ size: [2, 2] }), avgPooled);
  const bilinear = apply(
    tf.layers.upSampling2d({ size: [2, 3], interpolation: 'bilinear' }),
    maxPooled,
  );
  const atrous = apply(new AtrousConv2D({ filters: 4, rate: 2, seed: 1 }), nearest);
  const joined = apply(tf.layers.concatenate(), [nearest, atrous]);
  const activated = ['swish', 'tanh', 'gelu', 'hardSigmoid', 'softplus', 'mish'].map((activation) =>
    apply(tf.layers.activation({ activation: activation as 'relu' }), joined),
  );
  const spatialOut = apply(tf.layers.concatenate({ axis: -1 }), activated);
  const pooled = apply(tf.layers.globalAveragePooling2d({}), bilinear);
  const maxed = apply(tf.layers.globalMaxPooling2d({}), bilinear);
  const features = apply(tf.layers.concatenate(), [pooled, maxed]);
  const logits = apply(tf.layers.dense({ units: 5, activation: 'softmax' }), features);
  return tf.model({ inputs: input, outputs: [spatialOut, logits] });
}

/** Layers that depend on TF.js's element order or the last axis: reshapes, dense on images, … */
function tensorZoo(): tf.LayersModel {
  const input = tf.input({ shape: [5, 7, 4] });
  let x = apply(tf.layers.prelu({}), input);
  x = apply(tf.layers.dense({ units: 6, activation: 'relu' }), x); // dense over channels of an image
  x = apply(tf.layers.layerNormalization({ epsilon: 1e-5 }), x);
  const permuted = apply(tf.layers.permute({ dims: [2, 1, 3] }), x);
  const rows = apply(tf.layers.reshape({ targetShape: [35, 6] }), x);
  const softmaxed = apply(tf.layers.softmax({ axis: -1 }), rows);
  const flat = apply(tf.layers.flatten(), permuted);
  const dropped = apply(tf.layers.dropout({ rate: 0.5 }), flat);
  const standardized = apply(
    new Standardize({
      mean: Array.from({ length: 210 }, (_, i) => Math.sin(i)),
      std: Array.from({ length: 210 }, (_, i) => 1 + (i % 7) / 7),
    }),
    dropped,
  );
  const embedding = apply(new L2Normalize({}), apply(tf.layers.dense({ units: 8 }), standardized));
  const image = apply(tf.layers.reshape({ targetShape: [5, 7, 6] }), rows);
  return tf.model({ inputs: input, outputs: [embedding, softmaxed, image] });
}

test('every layer class of the spatial zoo matches tfjs in ONNX Runtime', async () => {
  const model = spatialZoo();
  randomizeWeights(model, 3);
  const { maxAbsError, maxAbs, shapes } = await compareWithOnnx(model);
  assert.deepEqual(shapes, [
    [2, 6, 4, 72],
    [2, 5],
  ]);
  assert.ok(maxAbs > 0.1, `outputs are not trivial (max |y| ${maxAbs})`);
  assert.ok(maxAbsError < 1e-4, `max abs error ${maxAbsError}`);
});

test('reshapes, permutes, dense on images and the visiontune layers match tfjs', async () => {
  const model = tensorZoo();
  randomizeWeights(model, 4);
  const { maxAbsError, maxAbs, shapes } = await compareWithOnnx(model, 3);
  assert.deepEqual(shapes, [
    [3, 8],
    [3, 35, 6],
    [3, 5, 7, 6],
  ]);
  assert.ok(maxAbs > 0.1, `outputs are not trivial (max |y| ${maxAbs})`);
  assert.ok(maxAbsError < 1e-4, `max abs error ${maxAbsError}`);
});

test('a shared layer called twice exports a node per call and its weights once', async () => {
  const input = tf.input({ shape: [6, 6, 2] });
  const shared = tf.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', name: 'shared' });
  const twice = apply(shared, apply(shared, input));
  const model = tf.model({ inputs: input, outputs: twice });
  randomizeWeights(model, 5);
  const { maxAbsError } = await compareWithOnnx(model);
  assert.ok(maxAbsError < 1e-4, `max abs error ${maxAbsError}`);
  const graph = onnxProto.onnx.ModelProto.decode(layersModelToOnnx(model)).graph!;
  assert.equal(graph.node!.filter((n) => n.opType === 'Conv').length, 2);
  assert.deepEqual(
    graph.initializer!.map((t) => t.name),
    ['shared_kernel', 'shared_bias'],
  );
});

test('layers without an export are all named in one error', () => {
  const input = tf.input({ shape: [8, 3] });
  const x = apply(tf.layers.conv1d({ filters: 2, kernelSize: 3, name: 'temporal' }), input);
  const y = apply(tf.layers.lstm({ units: 2, name: 'memory' }), x);
  assert.throws(
    () => layersModelToOnnx(tf.model({ inputs: input, outputs: y })),
    (err: Error) =>
      /2 layer\(s\) have no ONNX export: Conv1D \(temporal\), LSTM \(memory\)/.test(err.message),
  );
  assert.ok(EXPORTABLE_LAYERS.includes('Conv2D'));
});

test('the model states its opset, NHWC input with a symbolic batch and the metadata', () => {
  const input = tf.input({ shape: [4, 4, 3] });
  const model = tf.model({ inputs: input, outputs: apply(tf.layers.flatten(), input) });
  const bytes = layersModelToOnnx(model, { metadata: { task: 'test' }, docString: 'doc' });
  const decoded = onnxProto.onnx.ModelProto.decode(bytes);
  assert.equal(Number(decoded.opsetImport[0].version), 17);
  const dims = decoded.graph!.input![0].type!.tensorType!.shape!.dim!;
  assert.deepEqual(
    dims.map((d) => d.dimParam || Number(d.dimValue)),
    ['batch', 4, 4, 3],
  );
  assert.deepEqual(
    decoded.metadataProps.map((p) => [p.key, p.value]),
    [['task', 'test']],
  );
  assert.equal(decoded.docString, 'doc');
});

test("the ONNX importer's elementwise functions (Erf, Sqrt, Pow, …) export node for node", async () => {
  const input = tf.input({ shape: [3, 4, 2] });
  let x: tf.SymbolicTensor = input;
  const ops = [['tanh'], ['erf'], ['exp'], ['sqrt'], ['pow', 3], ['neg']] as const;
  for (const [op, alpha] of ops) x = apply(new OnnxUnary({ op, alpha }), x);
  const { maxAbsError, maxAbs } = await compareWithOnnx(tf.model({ inputs: input, outputs: x }));
  assert.ok(maxAbs > 0.1, `outputs are not trivial (max |y| ${maxAbs})`);
  assert.ok(maxAbsError < 1e-4, `max abs error ${maxAbsError}`);
});
