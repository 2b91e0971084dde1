// Frozen forward passes: ONNX Runtime and TF.js give the same outputs (within 1e-4) for a whole
// model, a prefix cut at a layer, and the embedding path; sessions are cached; a layer the export
// refuses sends auto to TF.js with the reason said once, while a forced onnx fails loudly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../../data/types.js';
import { frozenEngine, setFrozenEngine } from '../../engine/frozen-engine.js';
import { embedBatches } from '../../methods/embed.js';
import { Rng } from '../../util/rng.js';
import { frozenForward, releaseFrozenForward } from './frozen-forward.js';
import { randomizeWeights } from './test-models.js';

type Sym = tf.SymbolicTensor;

/** A small residual conv net (conv, BN, depthwise, add, pooling) with a Dense head. */
function convNet(extra?: tf.layers.Layer): tf.LayersModel {
  const input = tf.input({ shape: [16, 16, 3] });
  let x = tf.layers
    .conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', name: 'stem' })
    .apply(input) as Sym;
  x = tf.layers.batchNormalization({ name: 'stem_bn' }).apply(x) as Sym;
  x = tf.layers.reLU({ maxValue: 6, name: 'stem_relu' }).apply(x) as Sym;
  const branch = tf.layers
    .depthwiseConv2d({ kernelSize: 3, padding: 'same', name: 'dw' })
    .apply(x) as Sym;
  x = tf.layers.add({ name: 'block_add' }).apply([x, branch]) as Sym;
  if (extra) x = extra.apply(x) as Sym;
  x = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as Sym;
  const out = tf.layers.dense({ units: 5, name: 'head' }).apply(x) as Sym;
  const model = tf.model({ inputs: input, outputs: out });
  randomizeWeights(model, 3);
  return model;
}

function randomBatch(n: number, seed = 1): tf.Tensor4D {
  const rng = new Rng(seed);
  return tf.tensor4d(
    Float32Array.from({ length: n * 16 * 16 * 3 }, () => rng.normal()),
    [n, 16, 16, 3],
  );
}

async function maxDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  assert.deepEqual(a.shape, b.shape);
  return (await tf.max(tf.abs(tf.sub(a, b))).data())[0];
}

test('ONNX Runtime and TF.js agree within 1e-4 on a model and on its prefix', async () => {
  const model = convNet();
  const x = randomBatch(3);
  for (const cut of [undefined, 'block_add', 'pool']) {
    const onnx = await frozenForward(model, { engine: 'onnx', cut });
    const tfjs = await frozenForward(model, { engine: 'tfjs', cut });
    assert.equal(onnx.engine, 'onnx');
    assert.equal(tfjs.engine, 'tfjs');
    const [a, b] = [await onnx.run(x), await tfjs.run(x)];
    assert.ok((await maxDiff(a, b)) < 1e-4, `cut ${cut}`);
    if (cut === 'block_add') assert.deepEqual(a.shape, [3, 8, 8, 8]);
    tf.dispose([a, b]);
  }
  assert.equal(
    await frozenForward(model, { engine: 'onnx', cut: 'pool' }),
    await frozenForward(model, { engine: 'onnx', cut: 'pool' }),
    'the session is cached per model and cut',
  );
  await assert.rejects(frozenForward(model, { cut: 'nope' }), /no layer 'nope'/);
  // A weight written since: the export (a copy of the weights) is made again.
  const before = await frozenForward(model, { engine: 'onnx' });
  const head = model.getLayer('head').weights[1]!;
  head.write(tf.add(head.read(), 1));
  const after = await frozenForward(model, { engine: 'onnx' });
  assert.notEqual(after, before);
  const [c, d] = [
    await after.run(x),
    await (await frozenForward(model, { engine: 'tfjs' })).run(x),
  ];
  assert.ok((await maxDiff(c, d)) < 1e-4, 'the new session has the new weights');
  tf.dispose([c, d]);
  x.dispose();
  await releaseFrozenForward(model);
});

test('embedBatches gives the same embeddings on either engine', async () => {
  const model = convNet();
  const body = tf.model({ inputs: model.inputs, outputs: model.getLayer('pool').output as Sym });
  const batches = async function* (): AsyncGenerator<Batch> {
    for (let i = 0; i < 2; i++)
      yield { x: randomBatch(4, i), labels: Int32Array.from([0, 1, 2, 3]), samples: [] } as never;
  };
  const collect = async (engine: 'onnx' | 'tfjs') => {
    const rows: number[] = [];
    for await (const b of embedBatches(body, batches(), { engine })) {
      assert.equal(b.dim, 8);
      rows.push(...b.embeddings);
    }
    return Float32Array.from(rows);
  };
  const [onnx, tfjs] = [await collect('onnx'), await collect('tfjs')];
  assert.equal(onnx.length, 2 * 4 * 8);
  const worst = onnx.reduce((m, v, i) => Math.max(m, Math.abs(v - tfjs[i])), 0);
  assert.ok(worst < 1e-4, `max |onnx - tfjs| = ${worst}`);
  await releaseFrozenForward(body);
});

test('a layer the export refuses: auto falls back to TF.js and says why once; onnx fails', async () => {
  const model = convNet(tf.layers.leakyReLU({ alpha: 0.1, name: 'leaky' }));
  const lines: string[] = [];
  const before = frozenEngine();
  setFrozenEngine({ engine: 'auto', log: (line) => lines.push(line) });
  try {
    const auto = await frozenForward(model);
    assert.equal(auto.engine, 'tfjs');
    assert.match(auto.note ?? '', /LeakyReLU \(leaky\)/);
    await frozenForward(model);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0], /run on TF\.js: the ONNX export failed: .*LeakyReLU/);
    const x = randomBatch(2);
    const y = await auto.run(x);
    assert.deepEqual(y.shape, [2, 5]);
    tf.dispose([x, y]);
    // The prefix before the refused layer still exports.
    assert.equal((await frozenForward(model, { cut: 'block_add' })).engine, 'onnx');
    await assert.rejects(frozenForward(model, { engine: 'onnx' }), /LeakyReLU/);
  } finally {
    setFrozenEngine(before);
    await releaseFrozenForward(model);
  }
});
