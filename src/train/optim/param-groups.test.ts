import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { VisiontuneError } from '../../errors.js';
import { AdamW } from './adamw.js';
import { buildParamGroups } from './param-groups.js';
import type { ParamGroup } from './types.js';
import { restoreWeights, snapshotWeights } from './weights.js';

await tf.setBackend('cpu');
tf.env().set('PROD', true);

/** conv+BN stem, conv(+bias)+BN block, a frozen dense, and a dense head. */
function smallModel(): tf.LayersModel {
  const seed = 3;
  const init = () => tf.initializers.glorotUniform({ seed });
  const input = tf.input({ shape: [6, 6, 2] });
  let x = tf.layers
    .conv2d({
      name: 'stem_conv',
      filters: 4,
      kernelSize: 3,
      useBias: false,
      kernelInitializer: init(),
    })
    .apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'stem_bn' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU({ name: 'stem_relu' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .conv2d({ name: 'block_1_conv', filters: 4, kernelSize: 3, kernelInitializer: init() })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'block_1_bn' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .dense({ name: 'block_2_dense', units: 5, trainable: false, kernelInitializer: init() })
    .apply(x) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({ name: 'head', units: 3, kernelInitializer: init() })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

const names = (g: ParamGroup) => g.variables.map((v) => (v as tf.LayerVariable).originalName);
const byName = (groups: ParamGroup[]) => Object.fromEntries(groups.map((g) => [g.name, g]));

test('backbone vs head, weight decay only on kernels, frozen and non-trainable weights absent', () => {
  const model = smallModel();
  const groups = buildParamGroups(model, { backboneLrMult: 0.1, weightDecay: 0.05 });
  const g = byName(groups);
  assert.deepEqual(Object.keys(g), ['backbone', 'backbone/no_decay', 'head', 'head/no_decay']);
  assert.deepEqual(names(g['backbone']), ['stem_conv/kernel', 'block_1_conv/kernel']);
  assert.deepEqual(names(g['backbone/no_decay']), [
    'stem_bn/gamma',
    'stem_bn/beta',
    'block_1_conv/bias',
    'block_1_bn/gamma',
    'block_1_bn/beta',
  ]);
  assert.deepEqual(names(g['head']), ['head/kernel']);
  assert.deepEqual(names(g['head/no_decay']), ['head/bias']);
  assert.equal(g['backbone'].lrMult, 0.1);
  assert.equal(g['backbone/no_decay'].lrMult, 0.1);
  assert.equal(g['head'].lrMult, 1);
  assert.equal(g['backbone'].weightDecay, 0.05);
  assert.equal(g['head'].weightDecay, 0.05);
  assert.equal(g['backbone/no_decay'].weightDecay, 0);
  assert.equal(g['head/no_decay'].weightDecay, 0);
  const all = groups.flatMap(names);
  assert.ok(!all.some((n) => n.startsWith('block_2_dense')), 'frozen layer present');
  assert.ok(!all.some((n) => n.includes('moving_')), 'BN statistics present');
  assert.equal(all.length, model.trainableWeights.length);
});

test('any 1-D weight takes no weight decay, whatever its name (PReLU alpha)', () => {
  const input = tf.input({ shape: [3] });
  const h = tf.layers.dense({ name: 'enc', units: 4 }).apply(input) as tf.SymbolicTensor;
  const a = tf.layers.prelu({ name: 'act' }).apply(h) as tf.SymbolicTensor;
  const out = tf.layers.dense({ name: 'head', units: 2 }).apply(a) as tf.SymbolicTensor;
  const g = byName(buildParamGroups(tf.model({ inputs: input, outputs: out }), { weightDecay: 1 }));
  assert.deepEqual(names(g['backbone/no_decay']), ['enc/bias', 'act/alpha']);
  assert.deepEqual(names(g['backbone']), ['enc/kernel']);
});

test('layer-wise decay: multipliers strictly increase toward the head', () => {
  const model = smallModel();
  const groups = buildParamGroups(model, { backboneLrMult: 0.5, layerDecay: 0.8 });
  // Each weighted layer is a level: stem_conv, stem_bn, block_1_conv, block_1_bn, then head.
  const perLayer = new Map<string, number>();
  for (const g of groups) {
    for (const n of names(g)) perLayer.set(n.split('/')[0], g.lrMult);
  }
  assert.deepEqual(
    [...perLayer.keys()],
    ['stem_conv', 'stem_bn', 'block_1_conv', 'block_1_bn', 'head'],
  );
  const mults = [...perLayer.values()];
  for (let i = 1; i < mults.length; i++) assert.ok(mults[i] > mults[i - 1], `${mults}`);
  assert.equal(mults[4], 1);
  assert.ok(Math.abs(mults[3] - 0.5 * 0.8) < 1e-15);
  assert.ok(Math.abs(mults[0] - 0.5 * 0.8 ** 4) < 1e-15);

  // Grouping layers into blocks: stem and block_1 are one level each.
  const blocks = buildParamGroups(model, {
    layerDecay: 0.5,
    levelOf: (n) => n.match(/^(stem|block_\d+)/)?.[0] ?? n,
  });
  const b = byName(blocks);
  assert.deepEqual(Object.keys(b), [
    'backbone/stem',
    'backbone/stem/no_decay',
    'backbone/block_1',
    'backbone/block_1/no_decay',
    'head',
    'head/no_decay',
  ]);
  assert.equal(b['backbone/stem'].lrMult, 0.25);
  assert.equal(b['backbone/stem/no_decay'].lrMult, 0.25);
  assert.equal(b['backbone/block_1'].lrMult, 0.5);
  assert.equal(b['head/no_decay'].lrMult, 1);
});

test('head by name, nested backbone model, and bad options', () => {
  // A backbone model used as one layer of the full model: its inner layers are the levels.
  const inner = tf.sequential({
    name: 'backbone',
    layers: [
      tf.layers.dense({ name: 'enc_1', units: 4, inputShape: [3] }),
      tf.layers.dense({ name: 'enc_2', units: 4 }),
    ],
  });
  const input = tf.input({ shape: [3] });
  const feats = inner.apply(input) as tf.SymbolicTensor;
  const out = tf.layers.dense({ name: 'classifier', units: 2 }).apply(feats) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });

  const groups = buildParamGroups(model, { headLayers: ['classifier'], layerDecay: 0.5 });
  const g = byName(groups);
  assert.deepEqual(names(g['backbone/enc_1']), ['enc_1/kernel']);
  assert.equal(g['backbone/enc_1'].lrMult, 0.25);
  assert.equal(g['backbone/enc_2'].lrMult, 0.5);
  assert.deepEqual(names(g['head']), ['classifier/kernel']);

  assert.throws(() => buildParamGroups(model, { headLayers: ['nope'] }), VisiontuneError);
  // No layer named head*: a backbone multiplier would silently slow the classifier too.
  assert.throws(() => buildParamGroups(model, { backboneLrMult: 0.1 }), /no trainable head/);
  assert.throws(() => buildParamGroups(model, { layerDecay: 1.5 }), VisiontuneError);
  // Without multipliers, a model with no head is one plain backbone.
  assert.deepEqual(
    buildParamGroups(model).map((x) => x.name),
    ['backbone', 'backbone/no_decay'],
  );

  inner.trainable = false;
  const frozen = buildParamGroups(model, { headLayers: ['classifier'], backboneLrMult: 0.1 });
  assert.deepEqual(
    frozen.map((x) => x.name),
    ['head', 'head/no_decay'],
  );
});

test('AdamW trains a real model through its groups: frozen layers stay, no tensors leak', async () => {
  const model = smallModel();
  const opt = new AdamW(buildParamGroups(model, { backboneLrMult: 0.1, weightDecay: 0.01 }));
  const x = tf.randomNormal([8, 6, 6, 2], 0, 1, 'float32', 1);
  const y = tf.randomNormal([8, 3], 0, 1, 'float32', 2);
  const frozenBefore = model.getLayer('block_2_dense').getWeights()[0].dataSync().slice();
  const lossOf = () =>
    tf.losses.meanSquaredError(y, model.apply(x, { training: false }) as tf.Tensor) as tf.Scalar;
  const losses: number[] = [];
  let count = 0;
  for (let i = 0; i < 30; i++) {
    const { value, grads } = tf.variableGrads(lossOf, opt.variables());
    opt.step(grads, 0.01);
    losses.push(value.dataSync()[0]);
    tf.dispose([value, ...Object.values(grads)]);
    if (i === 1) count = tf.memory().numTensors;
  }
  assert.equal(tf.memory().numTensors, count, 'tensors leak across steps');
  assert.ok(losses[29] < losses[0] * 0.9, `loss ${losses[0]} -> ${losses[29]}`);
  const frozenAfter = model.getLayer('block_2_dense').getWeights()[0].dataSync();
  assert.deepEqual(frozenAfter, frozenBefore);

  // Best-weights restore: snapshot, train on, restore, and the loss is back exactly.
  const snap = await snapshotWeights(model);
  const lossNow = () => tf.tidy(() => lossOf().dataSync()[0]);
  const atSnap = lossNow();
  for (let i = 0; i < 3; i++) {
    const { value, grads } = tf.variableGrads(lossOf, opt.variables());
    opt.step(grads, 0.5);
    tf.dispose([value, ...Object.values(grads)]);
  }
  assert.notEqual(lossNow(), atSnap);
  restoreWeights(model, snap);
  assert.equal(lossNow(), atSnap);
  // Into a rebuilt model (renamed variables, same layout) it works; a wrong layout is refused.
  const rebuilt = smallModel();
  restoreWeights(rebuilt, snap);
  assert.deepEqual(rebuilt.getWeights()[0].dataSync(), model.getWeights()[0].dataSync());
  assert.throws(
    () => restoreWeights(rebuilt, { ...snap, weights: snap.weights.slice(1) }),
    VisiontuneError,
  );
  opt.dispose();
  tf.dispose([x, y]);
});
