// Block splits per registry entry (rule vs graph fallback) and of a plain user model.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { listBackbones } from '../../backbones/index.js';
import { initEngine } from '../../engine/index.js';
import { describeBlocks, splitBlocks } from './blocks.js';
import { assertPartition, smallModel } from './test-models.js';

await initEngine({ backend: 'wasm' });

const MOBILENET_NAMES = [
  'stem',
  'expanded_conv',
  ...Array.from({ length: 16 }, (_, i) => `block_${i + 1}`),
  'top',
];

test('every registry entry declares a rule that partitions its body in topological order', async () => {
  for (const entry of listBackbones()) {
    const { model } = await smallModel(entry.name, { dropRate: 0.2 });
    assert.ok(entry.blocks, `${entry.name} declares blocks`);
    const blocks = splitBlocks(model, entry.blocks);
    assertPartition(model, blocks);
    assert.equal(blocks[0].name, 'stem', entry.name);
    assert.equal(blocks[0].kind, 'stem');
    assert.ok(
      blocks.slice(1, -1).every((b) => b.kind === 'block'),
      entry.name,
    );
    // The graph fallback is a valid partition too.
    assertPartition(model, splitBlocks(model));
    model.dispose();
  }
});

test('MobileNetV2: stem, 17 inverted-residual blocks, top', async () => {
  for (const name of ['mobilenet_v2', 'mobilenet_v2_035']) {
    const { model, entry } = await smallModel(name);
    const blocks = splitBlocks(model, entry.blocks);
    assert.deepEqual(
      blocks.map((b) => b.name),
      MOBILENET_NAMES,
    );
    assert.equal(blocks.filter((b) => b.kind === 'block').length, 17);
    assert.deepEqual(blocks.at(-1), {
      name: 'top',
      kind: 'top',
      layers: ['Conv_1', 'Conv_1_bn', 'out_relu'],
    });
    const stem = name === 'mobilenet_v2' ? ['Conv1_pad'] : [];
    assert.deepEqual(blocks[0].layers, [...stem, 'Conv1', 'bn_Conv1', 'Conv1_relu']);
    assert.ok(blocks[3].layers.includes('block_2_add'));
    assert.ok(blocks[1].layers.every((l) => l.startsWith('expanded_conv_')));
    assert.match(describeBlocks(blocks), /^19 blocks \(stem, expanded_conv … block_16, top\)$/);
    model.dispose();
  }
});

test('InceptionV3: stem + mixed0..mixed10, each block ending at its concatenation', async () => {
  const { model, entry } = await smallModel('inception_v3');
  const blocks = splitBlocks(model, entry.blocks);
  assert.deepEqual(
    blocks.map((b) => b.name),
    ['stem', ...Array.from({ length: 11 }, (_, k) => `mixed${k}`)],
  );
  assert.equal(blocks[0].layers.at(-1), 'max_pooling2d_2');
  assert.ok(blocks[0].layers.includes('conv2d_5'));
  for (const b of blocks.slice(1)) assert.equal(b.layers.at(-1), b.name);
  // mixed0's four branches (conv2d_6..12 in Keras's numbering) and nothing after it.
  assert.ok(
    ['conv2d_6', 'conv2d_9', 'conv2d_12', 'average_pooling2d_1'].every((l) =>
      blocks[1].layers.includes(l),
    ),
  );
  assert.ok(blocks[2].layers.includes('conv2d_13'));
  // The graph fallback finds the same Inception blocks (it splits the stem per conv).
  const graph = splitBlocks(model);
  for (const b of blocks.slice(1)) {
    assert.ok(
      graph.some((g) => g.layers.join() === b.layers.join()),
      `graph fallback has ${b.name}`,
    );
  }
  model.dispose();
});

test('resnet_tiny: stem + one block per BasicBlock, same as the graph fallback', async () => {
  const { model, entry } = await smallModel('resnet_tiny');
  const blocks = splitBlocks(model, entry.blocks);
  assert.deepEqual(
    blocks.map((b) => b.name),
    ['stem', 'stage1_block1', 'stage2_block1', 'stage3_block1', 'stage4_block1'],
  );
  assert.equal(blocks[2].layers.at(-1), 'stage2_out');
  assert.ok(blocks[2].layers.includes('stage2_block1_down_bn'));
  assert.deepEqual(
    splitBlocks(model).map((b) => b.layers),
    blocks.map((b) => b.layers),
  );
  model.dispose();
});

test('graph fallback on a plain chain: one block per conv/dense, BatchNorm with its conv', () => {
  const input = tf.input({ shape: [8, 8, 3] });
  let x = tf.layers.zeroPadding2d({ padding: 1, name: 'pad' }).apply(input) as tf.SymbolicTensor;
  for (const i of [1, 2]) {
    x = tf.layers
      .conv2d({ filters: 4, kernelSize: 3, name: `conv${i}` })
      .apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ name: `bn${i}` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.reLU({ name: `relu${i}` }).apply(x) as tf.SymbolicTensor;
  }
  x = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 2, name: 'head' }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  const blocks = splitBlocks(model);
  assert.deepEqual(
    blocks.map((b) => [b.name, b.layers]),
    [
      ['conv1', ['pad', 'conv1', 'bn1', 'relu1']],
      ['conv2', ['conv2', 'bn2', 'relu2']],
    ],
  );
  assertPartition(model, blocks);
  // A differently named head is given explicitly.
  const named = splitBlocks(model, undefined, { headLayers: ['head'] });
  assert.deepEqual(named.at(-1)?.layers, ['conv2', 'bn2', 'relu2', 'pool']);
  model.dispose();
});
