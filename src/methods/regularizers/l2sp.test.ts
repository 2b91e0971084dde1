import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../util/rng.js';
import { createL2SP } from './l2sp.js';

await tf.setBackend('cpu');
tf.env().set('PROD', true);

/** conv -> BatchNorm -> pool -> Dense `head`: pretrained-like body plus a new head. */
function makeModel(seed: number): tf.LayersModel {
  const init = () => tf.initializers.randomNormal({ seed: seed++ });
  const input = tf.input({ shape: [4, 4, 2] });
  let y = tf.layers
    .conv2d({ name: 'conv', filters: 3, kernelSize: 3, padding: 'same', kernelInitializer: init() })
    .apply(input) as tf.SymbolicTensor;
  y = tf.layers.batchNormalization({ name: 'bn' }).apply(y) as tf.SymbolicTensor;
  y = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(y) as tf.SymbolicTensor;
  y = tf.layers
    .dense({ name: 'head', units: 3, kernelInitializer: init() })
    .apply(y) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: y });
}

/** Moves every weight (moving statistics too) to fresh random values; returns them by name. */
function perturb(model: tf.LayersModel, seed: number): Map<string, Float64Array> {
  const rng = new Rng(seed);
  const values = new Map<string, Float64Array>();
  const tensors = model.weights.map((v) => {
    const data = Float32Array.from({ length: tf.util.sizeFromShape(v.shape as number[]) }, () =>
      v.name.includes('moving_variance') ? 1 + rng.next() : rng.normal(),
    );
    values.set(v.originalName, Float64Array.from(data));
    return tf.tensor(data, v.shape as number[]);
  });
  model.setWeights(tensors);
  tf.dispose(tensors);
  return values;
}

function snapshot(model: tf.LayersModel): Map<string, Float64Array> {
  return new Map(
    model.weights.map((v) => [v.originalName, Float64Array.from(v.read().dataSync())]),
  );
}

/** Float64 Ω = α/2 Σ_backbone (w − w0)² + β/2 Σ_head w², over the given weight names. */
function reference(
  w: Map<string, Float64Array>,
  w0: Map<string, Float64Array>,
  backbone: string[],
  head: string[],
  alpha: number,
  beta: number,
): number {
  let pull = 0;
  for (const name of backbone) {
    const cur = w.get(name)!;
    const start = w0.get(name)!;
    for (let i = 0; i < cur.length; i++) pull += (cur[i]! - start[i]!) ** 2;
  }
  let shrink = 0;
  for (const name of head) for (const v of w.get(name)!) shrink += v * v;
  return (alpha / 2) * pull + (beta / 2) * shrink;
}

/** Variable names without the `_1` suffix tfjs adds when a later model reuses layer names. */
const base = (names: readonly string[]) => names.map((n) => n.replace(/_\d+$/, '')).sort();

const BACKBONE = ['conv/kernel', 'conv/bias', 'bn/gamma', 'bn/beta'];
const HEAD = ['head/kernel', 'head/bias'];

test('value and gradient match float64 references; BN moving statistics are left out', () => {
  const model = makeModel(1);
  const w0 = snapshot(model);
  const alpha = 0.1;
  const beta = 0.01;
  const l2sp = createL2SP(model, { alpha, beta });
  assert.deepEqual(base(l2sp.backbone), [...BACKBONE].sort());
  assert.deepEqual(base(l2sp.head), [...HEAD].sort());

  const w = perturb(model, 2);
  const value = l2sp.penalty();
  const want = reference(w, w0, BACKBONE, HEAD, alpha, beta);
  assert.ok(
    Math.abs(value.dataSync()[0]! - want) < 1e-5 * want,
    `${value.dataSync()[0]} vs ${want}`,
  );

  const vars = model.trainableWeights.map((v) => v.read() as tf.Variable);
  const { value: v2, grads } = tf.variableGrads(() => l2sp.penalty(), vars);
  assert.ok(Math.abs(v2.dataSync()[0]! - want) < 1e-5 * want);
  for (const lv of model.trainableWeights) {
    const g = grads[lv.name]!.dataSync();
    const cur = w.get(lv.originalName)!;
    const start = w0.get(lv.originalName)!;
    const head = HEAD.includes(lv.originalName);
    for (let i = 0; i < g.length; i++) {
      const expected = head ? beta * cur[i]! : alpha * (cur[i]! - start[i]!);
      assert.ok(
        Math.abs(g[i]! - expected) < 1e-6,
        `${lv.originalName}[${i}]: ${g[i]} vs ${expected}`,
      );
    }
  }
  tf.dispose([value, v2, grads]);
  l2sp.dispose();
  model.dispose();
});

test('at the start the backbone term is 0; defaults are α = 0.1, β = 0.01', () => {
  const model = makeModel(3);
  const w0 = snapshot(model);
  const l2sp = createL2SP(model);
  const at0 = l2sp.penalty();
  const want0 = reference(w0, w0, BACKBONE, HEAD, 0.1, 0.01);
  assert.ok(Math.abs(at0.dataSync()[0]! - want0) < 1e-6 * want0);
  const w = perturb(model, 4);
  const later = l2sp.penalty();
  const want = reference(w, w0, BACKBONE, HEAD, 0.1, 0.01);
  assert.ok(Math.abs(later.dataSync()[0]! - want) < 1e-5 * want);
  tf.dispose([at0, later]);
  l2sp.dispose();
  assert.throws(() => l2sp.penalty(), /after dispose/);
  assert.throws(() => createL2SP(model, { alpha: -1 }), /alpha/);
  model.dispose();
});

test('includeNorm: false drops BN gamma/beta; a custom isHead moves weights between terms', () => {
  const model = makeModel(5);
  const w0 = snapshot(model);
  const noNorm = createL2SP(model, { alpha: 1, beta: 0.5, includeNorm: false });
  const allBackbone = createL2SP(model, { alpha: 1, beta: 0.5, isHead: () => false });
  assert.deepEqual(base(noNorm.backbone), ['conv/bias', 'conv/kernel']);
  assert.deepEqual(allBackbone.head, []);
  const w = perturb(model, 6);
  const a = noNorm.penalty();
  const b = allBackbone.penalty();
  const wantA = reference(w, w0, ['conv/kernel', 'conv/bias'], HEAD, 1, 0.5);
  const wantB = reference(w, w0, [...BACKBONE, ...HEAD], [], 1, 0.5);
  assert.ok(Math.abs(a.dataSync()[0]! - wantA) < 1e-5 * wantA);
  assert.ok(Math.abs(b.dataSync()[0]! - wantB) < 1e-5 * wantB);
  tf.dispose([a, b]);
  noNorm.dispose();
  allBackbone.dispose();
  model.dispose();
});

test('frozen layers drop out; unfreezing brings them back against the creation snapshot', () => {
  const model = makeModel(7);
  const w0 = snapshot(model);
  model.getLayer('conv').trainable = false; // frozen before creation: still snapshotted
  const l2sp = createL2SP(model, { alpha: 0.1, beta: 0.01 });
  assert.ok(base(l2sp.backbone).includes('conv/kernel'));
  const w = perturb(model, 8);
  const frozen = l2sp.penalty();
  const wantFrozen = reference(w, w0, ['bn/gamma', 'bn/beta'], HEAD, 0.1, 0.01);
  assert.ok(Math.abs(frozen.dataSync()[0]! - wantFrozen) < 1e-5 * wantFrozen);
  model.getLayer('conv').trainable = true;
  const thawed = l2sp.penalty();
  const wantThawed = reference(w, w0, BACKBONE, HEAD, 0.1, 0.01);
  assert.ok(Math.abs(thawed.dataSync()[0]! - wantThawed) < 1e-5 * wantThawed);
  tf.dispose([frozen, thawed]);
  l2sp.dispose();
  model.dispose();
});

test('no tensors leak; dispose frees exactly the snapshot', () => {
  const model = makeModel(9);
  const start = tf.memory().numTensors;
  const l2sp = createL2SP(model);
  assert.equal(tf.memory().numTensors, start + BACKBONE.length);
  const before = tf.memory().numTensors;
  const vars = model.trainableWeights.map((v) => v.read() as tf.Variable);
  for (let k = 0; k < 5; k++) {
    tf.tidy(() => {
      l2sp.penalty();
      const { value, grads } = tf.variableGrads(() => l2sp.penalty(), vars);
      return tf.add(value, tf.addN(Object.values(grads).map((g) => tf.sum(g))));
    }).dispose();
    l2sp.penalty().dispose();
  }
  assert.equal(tf.memory().numTensors, before);
  l2sp.dispose();
  assert.equal(tf.memory().numTensors, start);
  model.dispose();
});

test('weights inside a nested model count for the term of the top-level layer holding it', () => {
  const body = tf.sequential({ name: 'body' });
  body.add(
    tf.layers.conv2d({ inputShape: [4, 4, 2], filters: 2, kernelSize: 1, name: 'inner_conv' }),
  );
  body.add(tf.layers.batchNormalization({ name: 'inner_bn' }));
  const input = tf.input({ shape: [4, 4, 2] });
  let y = body.apply(input) as tf.SymbolicTensor;
  y = tf.layers.flatten().apply(y) as tf.SymbolicTensor;
  y = tf.layers.dense({ name: 'head_fc', units: 2 }).apply(y) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: y });
  const l2sp = createL2SP(model);
  assert.deepEqual(base(l2sp.backbone), [
    'inner_bn/beta',
    'inner_bn/gamma',
    'inner_conv/bias',
    'inner_conv/kernel',
  ]);
  assert.deepEqual(base(l2sp.head), ['head_fc/bias', 'head_fc/kernel']);
  l2sp.dispose();
  model.dispose();
});
