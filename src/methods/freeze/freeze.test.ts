// unfreezeLast: which weights train, usage errors, and one real training step per family where
// only unfrozen weights move and frozen BatchNorm statistics stay put.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../engine/index.js';
import { VisiontuneError } from '../../errors.js';
import { buildParamGroups, SGD } from '../../train/optim/index.js';
import { splitBlocks } from './blocks.js';
import { parseUnfreeze, unfreezeLast } from './freeze.js';
import { smallModel } from './test-models.js';

await initEngine({ backend: 'wasm' });

const usage = (text: string) => (e: unknown) =>
  e instanceof VisiontuneError && e.code === 'BAD_USAGE' && e.message.includes(text);

/** Names of the weights each layer trains when nothing is frozen. */
function trainableByLayer(model: tf.LayersModel): Map<string, string[]> {
  return new Map(model.layers.map((l) => [l.name, l.trainableWeights.map((w) => w.name)]));
}

test('unfreezeLast(2) leaves exactly the last two blocks and the head trainable', async () => {
  const { model, entry } = await smallModel('mobilenet_v2_035');
  const blocks = splitBlocks(model, entry.blocks);
  const all = trainableByLayer(model);
  const expected = (layers: string[]) => layers.flatMap((l) => all.get(l) ?? []).sort();
  const names = () => model.trainableWeights.map((w) => w.name).sort();

  const r = unfreezeLast(model, 2, blocks);
  assert.deepEqual(r.trainable, ['block_16', 'top']);
  assert.equal(r.frozen.length, 17);
  assert.equal(r.count, 2);
  const last2 = [...blocks[17].layers, ...blocks[18].layers];
  assert.deepEqual(names(), expected([...last2, 'head']));
  assert.ok(r.changed.every((c) => !c.trainable));
  assert.ok(r.changed.some((c) => c.layer === 'block_15_project_BN'));
  assert.ok(model.getLayer('block_16_project_BN').trainable);
  assert.equal(model.getLayer('block_15_project_BN').trainable, false);
  assert.deepEqual(unfreezeLast(model, 2, blocks).changed, [], 'idempotent');

  unfreezeLast(model, 0, blocks);
  assert.deepEqual(names(), expected(['head']));
  const back = unfreezeLast(model, 'all', blocks);
  assert.deepEqual(names(), [...all.values()].flat().sort());
  assert.equal(back.count, 19);
  assert.ok(back.changed.every((c) => c.trainable));

  assert.throws(() => unfreezeLast(model, 20, blocks), usage("more than the model's 19 blocks"));
  assert.throws(() => unfreezeLast(model, -1, blocks), usage('--unfreeze'));
  assert.throws(() => unfreezeLast(model, 1.5, blocks), usage('--unfreeze'));
  model.dispose();
});

test('parseUnfreeze reads N and all', () => {
  assert.equal(parseUnfreeze('3'), 3);
  assert.equal(parseUnfreeze('ALL'), 'all');
  assert.equal(parseUnfreeze('0'), 0);
  assert.throws(() => parseUnfreeze('-2'), usage("'all'"));
  assert.throws(() => parseUnfreeze('two'), usage('--unfreeze'));
});

test('a BatchNorm outside the registered class cannot be frozen silently', () => {
  const input = tf.input({ shape: [4, 4, 3] });
  let x = tf.layers.conv2d({ filters: 2, kernelSize: 1, name: 'conv' }).apply(input);
  x = tf.layers.batchNormalization({ name: 'bn' }).apply(x);
  x = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(x);
  const out = tf.layers.dense({ units: 2, name: 'head' }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  const blocks = splitBlocks(model);
  assert.throws(() => unfreezeLast(model, 0, blocks), /bn are not the registered class/);
  assert.equal(unfreezeLast(model, 'all', blocks).changed.length, 0);
  model.dispose();
});

async function snapshot(model: tf.LayersModel): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const w of model.weights) out.set(w.name, (await w.read().data()) as Float32Array);
  return out;
}

/** One SGD step in training mode over the trainable weights; returns the names of changed weights. */
async function trainStep(model: tf.LayersModel, size: number): Promise<Set<string>> {
  const before = await snapshot(model);
  const optimizer = new SGD(buildParamGroups(model));
  const x = tf.randomUniform([4, size, size, 3], 0, 1, 'float32', 3);
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0], 'int32'), 3);
  const { value, grads } = tf.variableGrads(() => {
    const logits = model.apply(x, { training: true }) as tf.Tensor;
    return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
  }, optimizer.variables());
  optimizer.step(grads, 0.1);
  tf.dispose([value, grads, x, y]);
  optimizer.dispose();
  const after = await snapshot(model);
  const changed = new Set<string>();
  for (const [name, v] of before) {
    const w = after.get(name) as Float32Array;
    if (v.some((a, i) => a !== w[i])) changed.add(name);
  }
  return changed;
}

for (const [name, n, pretrained] of [
  ['resnet_tiny', 1, false],
  ['mobilenet_v2', 2, true],
  ['inception_v3', 1, true],
] as const) {
  test(`${name}: a training step moves only unfrozen weights; frozen BN statistics stay`, async () => {
    const { model, entry, config } = await smallModel(name, { pretrained });
    const blocks = splitBlocks(model, entry.blocks);
    unfreezeLast(model, n, blocks);
    const trainable = new Set(blocks.slice(-n).flatMap((b) => b.layers));
    trainable.add('head');
    const changed = await trainStep(model, config.inputSize);
    for (const layer of model.layers) {
      for (const w of layer.weights) {
        const moved = changed.has(w.name);
        if (!trainable.has(layer.name)) assert.ok(!moved, `frozen ${w.name} moved`);
        // Trainable layers: weights got a step; BN moving statistics followed the batch.
        else if (layer.getClassName() !== 'BatchNormalization' || /moving/.test(w.name))
          assert.ok(moved, `trainable ${w.name} did not move`);
      }
    }
    model.dispose();
  });
}
