import '../../../backbones/batchnorm-fix.js';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { batchNormalization } from '../../../backbones/batchnorm-fix.js';
import { VisiontuneError } from '../../../errors.js';
import { analyzeChannelGroups, type ChannelGraph } from './channel-groups.js';

before(async () => {
  await tf.setBackend('cpu');
});

type T = tf.SymbolicTensor;
const conv = (filters: number, name: string, x: T, kernelSize = 3) =>
  tf.layers.conv2d({ filters, kernelSize, padding: 'same', name }).apply(x) as T;
const bn = (name: string, x: T) => batchNormalization({ name }).apply(x) as T;
const relu = (name: string, x: T) => tf.layers.reLU({ name }).apply(x) as T;

function groupWith(graph: ChannelGraph, layer: string) {
  const g = graph.groups.find((g) => g.layers.includes(layer));
  assert.ok(g, `no group carries '${layer}'`);
  return g;
}

describe('analyzeChannelGroups', () => {
  it('ties the channels an Add merges into one group, with producers, BNs and consumers', () => {
    const input = tf.input({ shape: [8, 8, 3], name: 'in' });
    const a = relu('a_relu', bn('a_bn', conv(8, 'a', input)));
    const b = bn('c_bn', conv(8, 'c', relu('b_relu', bn('b_bn', conv(6, 'b', a)))));
    const sum = tf.layers.add({ name: 'add' }).apply([a, b]) as T;
    const out = conv(4, 'out', relu('add_relu', sum));
    const graph = analyzeChannelGroups(tf.model({ inputs: input, outputs: out }));

    const tied = groupWith(graph, 'add');
    assert.equal(tied.channels, 8);
    assert.ok(tied.prunable);
    assert.deepEqual(tied.producers.map((r) => r.layer).sort(), ['a', 'c']);
    assert.deepEqual(tied.perChannel.map((r) => r.layer).sort(), ['a_bn', 'c_bn']);
    assert.deepEqual(tied.consumers.map((r) => r.layer).sort(), ['b', 'out']);
    assert.deepEqual(tied.layers.sort(), ['a', 'a_bn', 'a_relu', 'add', 'add_relu', 'c', 'c_bn']);

    const inner = groupWith(graph, 'b_relu');
    assert.equal(inner.channels, 6);
    assert.deepEqual(
      inner.consumers.map((r) => r.layer),
      ['c'],
    );
  });

  it('never offers the model input or outputs for pruning', () => {
    const input = tf.input({ shape: [8, 8, 3], name: 'in' });
    const feat = relu('r', bn('bn', conv(8, 'c', input)));
    const logits = tf.layers
      .dense({ units: 5, name: 'head' })
      .apply(tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(feat)) as T;
    const graph = analyzeChannelGroups(tf.model({ inputs: input, outputs: [logits, feat] }));
    assert.equal(groupWith(graph, 'in').prunable, false);
    assert.match(groupWith(graph, 'in').reason ?? '', /input/);
    assert.equal(groupWith(graph, 'head').prunable, false);
    const features = groupWith(graph, 'r');
    assert.equal(features.prunable, false);
    assert.match(features.reason ?? '', /output/);
  });

  it('lays concatenated groups end to end in the consumer input', () => {
    const input = tf.input({ shape: [8, 8, 3], name: 'in' });
    const a = conv(5, 'a', input);
    const b = conv(7, 'b', input);
    const cat = tf.layers.concatenate({ name: 'cat' }).apply([a, b]) as T;
    const out = conv(2, 'out', relu('r', bn('bn', cat)));
    const graph = analyzeChannelGroups(tf.model({ inputs: input, outputs: out }));
    const ga = groupWith(graph, 'a');
    const gb = groupWith(graph, 'b');
    assert.notEqual(ga.id, gb.id);
    assert.deepEqual(ga.consumers, [{ layer: 'out', className: 'Conv2D', offset: 0 }]);
    assert.deepEqual(gb.consumers, [{ layer: 'out', className: 'Conv2D', offset: 5 }]);
    assert.deepEqual(gb.perChannel, [{ layer: 'bn', className: 'BatchNormalization', offset: 5 }]);
    assert.deepEqual(
      graph.layers.get('cat')?.output.map((s) => [s.group, s.offset, s.size]),
      [
        [ga.id, 0, 5],
        [gb.id, 5, 7],
      ],
    );
  });

  it('keeps every channel a spatial Flatten or a channel softmax mixes', () => {
    const input = tf.input({ shape: [4, 4, 3], name: 'in' });
    const a = conv(6, 'a', input);
    const flat = tf.layers.flatten({ name: 'flat' }).apply(a) as T;
    const b = tf.layers.dense({ units: 8, name: 'b', activation: 'softmax' }).apply(flat) as T;
    const out = tf.layers.dense({ units: 2, name: 'out' }).apply(b) as T;
    const graph = analyzeChannelGroups(tf.model({ inputs: input, outputs: out }));
    assert.equal(groupWith(graph, 'a').prunable, false);
    assert.match(groupWith(graph, 'a').reason ?? '', /flattens a 4x4 map/);
    assert.equal(groupWith(graph, 'b').prunable, false);
    assert.match(groupWith(graph, 'b').reason ?? '', /softmax/);
  });

  it('follows a Flatten of a 1x1 map and a channel-keeping Reshape', () => {
    const input = tf.input({ shape: [1, 1, 3], name: 'in' });
    const a = conv(6, 'a', input, 1);
    const flat = tf.layers.flatten({ name: 'flat' }).apply(a) as T;
    const back = tf.layers.reshape({ targetShape: [1, 1, 6], name: 'back' }).apply(flat) as T;
    const out = conv(2, 'out', back, 1);
    const graph = analyzeChannelGroups(tf.model({ inputs: input, outputs: out }));
    const g = groupWith(graph, 'back');
    assert.ok(g.prunable);
    assert.deepEqual(g.layers, ['a', 'flat', 'back']);
  });

  it('refuses a layer class it does not know, naming the layer and class', () => {
    const input = tf.input({ shape: [8, 8, 3], name: 'in' });
    const a = conv(6, 'a', input);
    const norm = tf.layers.layerNormalization({ name: 'ln' }).apply(a) as T;
    const model = tf.model({ inputs: input, outputs: conv(2, 'out', norm) });
    assert.throws(
      () => analyzeChannelGroups(model),
      (err: unknown) =>
        err instanceof VisiontuneError &&
        err.code === 'BAD_USAGE' &&
        /'ln'/.test(err.message) &&
        /LayerNormalization/.test(err.message),
    );
  });

  it('refuses a layer used twice', () => {
    const input = tf.input({ shape: [8, 8, 3], name: 'in' });
    const shared = tf.layers.conv2d({ filters: 3, kernelSize: 1, name: 'shared' });
    const out = shared.apply(shared.apply(input)) as T;
    assert.throws(
      () => analyzeChannelGroups(tf.model({ inputs: input, outputs: out })),
      /'shared'.*shared/,
    );
  });
});
