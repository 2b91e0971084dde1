// LoRA layers against a float64 reference (W + α/r·A·B computed and applied in plain JS), the
// zero-initialized B giving the base layer's output, the weight names and frozen base, and a
// serialization round trip.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../util/rng.js';
import { LoraConv2D, LoraDense, type LoraLayer } from './lora-layers.js';

const rng = new Rng(3);
const randn = (n: number, scale = 1) => Array.from({ length: n }, () => rng.normal() * scale);
const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Sets every weight of `layer` to seeded normal values (B too, so ΔW is not zero). */
function randomize(layer: tf.layers.Layer): Map<string, number[]> {
  const values = new Map<string, number[]>();
  for (const w of layer.weights) {
    const v = randn(sizeOf(w.shape as number[]), 0.5);
    values.set(w.originalName.split('/').pop()!, v);
    w.write(tf.tensor(v, w.shape as number[]));
  }
  return values;
}

/** (W + scale·A·B) in float64, W row-major [fanIn, out] with A [fanIn, r], B [r, out]. */
function merged64(w: number[], a: number[], b: number[], rank: number, scale: number) {
  const out = b.length / rank;
  return w.map((v, i) => {
    const [row, col] = [Math.floor(i / out), i % out];
    let d = 0;
    for (let k = 0; k < rank; k++) d += a[row * rank + k]! * b[k * out + col]!;
    return v + scale * d;
  });
}

function maxDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.equal(actual.length, expected.length);
  let m = 0;
  for (let i = 0; i < actual.length; i++) m = Math.max(m, Math.abs(actual[i]! - expected[i]!));
  return m;
}

test('LoRA Conv2D: stride-2 same-padded 3×3 conv with bias and relu equals a float64 reference', () => {
  const [h, w, cin, cout, k, s, rank, alpha] = [7, 9, 5, 6, 3, 2, 2, 3];
  const layer = new LoraConv2D({
    name: 'conv',
    filters: cout,
    kernelSize: k,
    strides: s,
    padding: 'same',
    activation: 'relu',
    loraRank: rank,
    loraAlpha: alpha,
  });
  const input = tf.input({ shape: [h, w, cin] });
  const model = tf.model({ inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor });
  const v = randomize(layer);
  const kernel = merged64(v.get('kernel')!, v.get('lora_a')!, v.get('lora_b')!, rank, alpha / rank);
  const x = randn(2 * h * w * cin);
  const y = (model.predict(tf.tensor(x, [2, h, w, cin])) as tf.Tensor).dataSync();
  // TF 'same': out = ceil(in / s), the odd padding pixel after.
  const [oh, ow] = [Math.ceil(h / s), Math.ceil(w / s)];
  const padTop = Math.floor(Math.max(0, (oh - 1) * s + k - h) / 2);
  const padLeft = Math.floor(Math.max(0, (ow - 1) * s + k - w) / 2);
  const expected: number[] = [];
  for (let n = 0; n < 2; n++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let o = 0; o < cout; o++) {
          let sum = v.get('bias')![o]!;
          for (let di = 0; di < k; di++)
            for (let dj = 0; dj < k; dj++) {
              const [yi, xj] = [i * s + di - padTop, j * s + dj - padLeft];
              if (yi < 0 || yi >= h || xj < 0 || xj >= w) continue;
              for (let c = 0; c < cin; c++)
                sum +=
                  x[((n * h + yi) * w + xj) * cin + c]! *
                  kernel[((di * k + dj) * cin + c) * cout + o]!;
            }
          expected.push(Math.max(0, sum));
        }
  assert.ok(
    expected.some((e) => e > 0.5),
    'the reference is not trivially zero',
  );
  // float32 sums of 45 products of order 1: a few 1e-6 off the float64 values.
  assert.ok(maxDiff(y, expected) < 2e-5, `max diff ${maxDiff(y, expected)}`);
});

test('LoRA Dense equals x·(W + α/r·A·B) + b in float64', () => {
  const [inputs, units, rank, alpha] = [11, 4, 3, 6];
  const layer = new LoraDense({ name: 'fc', units, loraRank: rank, loraAlpha: alpha });
  const input = tf.input({ shape: [inputs] });
  const model = tf.model({ inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor });
  const v = randomize(layer);
  const kernel = merged64(v.get('kernel')!, v.get('lora_a')!, v.get('lora_b')!, rank, alpha / rank);
  const x = randn(3 * inputs);
  const y = (model.predict(tf.tensor(x, [3, inputs])) as tf.Tensor).dataSync();
  const expected = Array.from({ length: 3 * units }, (_, i) => {
    const [n, o] = [Math.floor(i / units), i % units];
    let sum = v.get('bias')![o]!;
    for (let c = 0; c < inputs; c++) sum += x[n * inputs + c]! * kernel[c * units + o]!;
    return sum;
  });
  assert.ok(maxDiff(y, expected) < 1e-5, `max diff ${maxDiff(y, expected)}`);
});

test('a fresh LoRA layer computes what its base layer does; names, shapes and the frozen base', () => {
  const input = tf.input({ shape: [6, 6, 4] });
  const plain = tf.layers.conv2d({ name: 'c', filters: 8, kernelSize: 3, padding: 'same' });
  const lora = new LoraConv2D({
    name: 'c',
    filters: 8,
    kernelSize: 3,
    padding: 'same',
    loraRank: 2,
    loraAlpha: 16,
  });
  const base = tf.model({ inputs: input, outputs: plain.apply(input) as tf.SymbolicTensor });
  const adapted = tf.model({ inputs: input, outputs: lora.apply(input) as tf.SymbolicTensor });
  const byName = (l: tf.layers.Layer) =>
    Object.fromEntries(l.weights.map((w) => [w.originalName, w.shape]));
  assert.deepEqual(byName(lora), {
    'c/kernel': [3, 3, 4, 8],
    'c/bias': [8],
    'c/lora_a': [36, 2],
    'c/lora_b': [2, 8],
  });
  for (const w of plain.weights) {
    const t = tf.randomNormal(w.shape as number[], 0, 0.3, 'float32', 5);
    w.write(t);
    lora.weights.find((v) => v.originalName === w.originalName)!.write(t);
  }
  const x = tf.randomNormal([2, 6, 6, 4], 0, 1, 'float32', 6);
  const diff = tf.max(
    tf.abs(tf.sub(base.predict(x) as tf.Tensor, adapted.predict(x) as tf.Tensor)),
  );
  assert.equal(diff.dataSync()[0], 0);
  assert.equal(tf.max(tf.abs((lora as LoraLayer).loraA!.read())).dataSync()[0]! > 0, true);
  // Only A and B train, however the layer's flag is set.
  lora.trainable = false;
  lora.trainable = true;
  assert.deepEqual(
    lora.trainableWeights.map((w) => w.originalName),
    ['c/lora_a', 'c/lora_b'],
  );
});

test('LoRA layers serialize and load back with their rank, alpha and weights', async () => {
  const input = tf.input({ shape: [5] });
  const layer = new LoraDense({ name: 'fc', units: 3, loraRank: 2, loraAlpha: 5, loraSeed: 9 });
  const model = tf.model({ inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor });
  randomize(layer);
  const loaded = await tf.models.modelFromJSON({
    modelTopology: model.toJSON(null, false) as never,
  });
  const copy = loaded.getLayer('fc') as LoraLayer;
  assert.equal(copy.getClassName(), 'VisiontuneLoraDense');
  assert.deepEqual([copy.loraRank, copy.loraAlpha, copy.loraSeed], [2, 5, 9]);
  copy.setWeights(layer.getWeights());
  const x = tf.randomNormal([4, 5], 0, 1, 'float32', 1);
  const a = (model.predict(x) as tf.Tensor).dataSync();
  const b = (loaded.predict(x) as tf.Tensor).dataSync();
  assert.deepEqual(Array.from(a), Array.from(b));
  assert.throws(
    () => new LoraDense({ units: 3, loraRank: 0, loraAlpha: 1 }),
    /loraRank must be a positive integer/,
  );
});
