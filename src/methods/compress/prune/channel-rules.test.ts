import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KerasLayerJson } from '../../../backbones/topology.js';
import { VisiontuneError } from '../../../errors.js';
import { ruleFor, type Shape } from './channel-rules.js';

const layer = (class_name: string, config: Record<string, unknown> = {}): KerasLayerJson => ({
  name: 'l',
  class_name,
  config,
  inbound_nodes: [],
});
const MAP: Shape[] = [[null, 4, 4, 8]];
const isBadUsage = (e: unknown) => e instanceof VisiontuneError && e.code === 'BAD_USAGE';

test('each layer family gets its kind of rule', () => {
  const kind = (cls: string, config = {}, inputs = MAP) => ruleFor(layer(cls, config), inputs).kind;
  assert.equal(kind('InputLayer'), 'input');
  for (const cls of ['ReLU', 'Dropout', 'MaxPooling2D', 'GlobalAveragePooling2D', 'Activation']) {
    assert.equal(kind(cls), 'preserve', cls);
  }
  for (const cls of ['Add', 'Multiply', 'Maximum']) assert.equal(kind(cls), 'tie', cls);
  assert.equal(kind('Concatenate', { axis: -1 }), 'concat');
  assert.equal(kind('Concatenate', { axis: 1 }), 'tie');
  assert.equal(kind('DepthwiseConv2D', { depth_multiplier: 2 }), 'opaque');
  assert.equal(kind('Flatten', {}, [[null, 1, 1, 8]]), 'preserve');
  assert.equal(kind('Flatten'), 'opaque');
  assert.equal(kind('Reshape', { target_shape: [16, 8] }), 'preserve');
  assert.equal(kind('Reshape', { target_shape: [4, 32] }), 'opaque');
});

test('conv and dense produce a channel space from their config, pinned under a softmax', () => {
  const dense = ruleFor(layer('Dense', { units: 10, activation: 'softmax' }), [[null, 8]]);
  assert.deepEqual(
    { ...dense, weights: undefined },
    {
      kind: 'produce',
      configKey: 'units',
      channels: 10,
      weights: undefined,
      pinOutput: "'l' applies softmax across channels",
    },
  );
  const conv = ruleFor(layer('Conv2D', { filters: 6 }), MAP);
  assert.equal(conv.kind === 'produce' && conv.configKey, 'filters');
  assert.equal(conv.kind === 'produce' && conv.pinOutput, undefined);
  const sep = ruleFor(layer('SeparableConv2D', { filters: 6, depth_multiplier: 3 }), MAP);
  assert.deepEqual(sep.kind === 'produce' && sep.weights.pointwise_kernel?.[0], {
    axis: 2,
    side: 'in',
    repeat: 3,
  });
});

test('unknown classes, channels_first and unsupported configs are refused', () => {
  for (const cls of ['LSTM', 'constructor', 'toString']) {
    assert.throws(() => ruleFor(layer(cls), MAP), isBadUsage, cls);
  }
  assert.throws(() => ruleFor(layer('Conv2D', { data_format: 'channels_first' }), MAP), isBadUsage);
  assert.throws(() => ruleFor(layer('Conv2D', { groups: 2 }), MAP), isBadUsage);
  assert.throws(() => ruleFor(layer('BatchNormalization', { axis: 1 }), MAP), isBadUsage);
  assert.throws(() => ruleFor(layer('PReLU', { shared_axes: [3] }), MAP), isBadUsage);
});
