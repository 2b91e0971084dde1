// Keras's ConvNeXt file layout: nested Sequential layers split into their inner layers in order,
// grouped-conv kernels [k, k, 1, C] given tfjs's depthwise shape [k, k, C, 1] with the same data.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flattenNested, groupedToDepthwise } from './convnext-file.js';

const array = (name: string, shape: number[]) => ({
  name,
  shape,
  data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i),
});

test('a nested model’s layer splits into its inner layers; plain layers stay as they are', () => {
  const stem = {
    layer: 'convnext_tiny_stem',
    weights: [
      array('convnext_tiny_stem_conv/kernel:0', [4, 4, 3, 96]),
      array('convnext_tiny_stem_conv/bias:0', [96]),
      array('convnext_tiny_stem_layernorm/gamma:0', [96]),
      array('convnext_tiny_stem_layernorm/beta:0', [96]),
    ],
  };
  const plain = { layer: 'conv', weights: [array('conv/kernel:0', [1, 1, 2, 2])] };
  const bare = { layer: 'keras3', weights: [array('kernel', [2]), array('bias', [2])] };
  assert.deepEqual(flattenNested([stem, plain, bare]), [
    { layer: 'convnext_tiny_stem_conv', weights: stem.weights.slice(0, 2) },
    { layer: 'convnext_tiny_stem_layernorm', weights: stem.weights.slice(2) },
    plain,
    bare,
  ]);
});

test('grouped depthwise kernels take the depthwise shape; other kernels keep theirs', () => {
  const kernel = array('b_depthwise_conv/kernel:0', [7, 7, 1, 8]);
  const bias = array('b_depthwise_conv/bias:0', [8]);
  const other = { layer: 'b_pointwise_conv_1', weights: [array('k', [8, 32])] };
  const [dw, same] = groupedToDepthwise([
    { layer: 'b_depthwise_conv', weights: [kernel, bias] },
    other,
  ]);
  assert.deepEqual(dw!.weights[0]!.shape, [7, 7, 8, 1]);
  assert.equal(dw!.weights[0]!.data, kernel.data);
  assert.equal(dw!.weights[1], bias);
  assert.equal(same, other);
});
