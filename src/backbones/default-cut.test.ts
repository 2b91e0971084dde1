// The default-cut rule on small hand-built classifiers: a head that only pools (and drops out)
// the last map keeps the map; an MLP head, or a Dense whose bias is a separate ONNX Add, is cut at
// the final Linear's input; a model without a Linear head keeps its last map.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { defaultCut } from './default-cut.js';
import { OnnxConstantOp } from './onnx/layers.js';

type Step = (x: tf.SymbolicTensor) => tf.SymbolicTensor;
const apply =
  (layer: tf.layers.Layer): Step =>
  (x) =>
    layer.apply(x) as tf.SymbolicTensor;

/** input → conv 'map' → the steps given. */
function classifier(...steps: Step[]): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 3] });
  let x = apply(tf.layers.conv2d({ filters: 4, kernelSize: 3, name: 'map' }))(input);
  for (const step of steps) x = step(x);
  return tf.model({ inputs: input, outputs: x });
}

const gap = () => apply(tf.layers.globalAveragePooling2d({}));
const dense = (units: number, name?: string) => apply(tf.layers.dense({ units, name }));

test('a head that only pools the last map keeps the map', () => {
  const model = classifier(gap(), apply(tf.layers.dropout({ rate: 0.2 })), dense(5));
  assert.equal(defaultCut(model), 'map');
  model.dispose();
});

test('an MLP head is cut at the final Linear input, a vector', () => {
  const model = classifier(
    apply(tf.layers.flatten({})),
    dense(6),
    apply(tf.layers.activation({ activation: 'tanh', name: 'pre_logits' })),
    dense(5),
  );
  assert.equal(defaultCut(model), 'pre_logits');
  model.dispose();
});

test('a final MatMul whose bias is a separate Add is the head', () => {
  const bias = new OnnxConstantOp({ op: 'add', values: [0, 1, 2, 3, 4], shape: [5] });
  const model = classifier(gap(), dense(6, 'hidden'), dense(5), apply(bias));
  assert.equal(defaultCut(model), 'hidden');
  model.dispose();
});

test('a head of convolutional logits (SqueezeNet) keeps the last map', () => {
  const logits = apply(tf.layers.conv2d({ filters: 5, kernelSize: 1, name: 'logits' }));
  const model = classifier(logits, gap());
  assert.equal(defaultCut(model), 'logits');
  model.dispose();
});
