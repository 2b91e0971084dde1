// applyPeft on MobileNetV2 (pretrained, 32 px, 10 classes): each method starts computing exactly
// what the base does, keeps every base weight under its name, trains the parameters it should
// (counted independently of the code: from the base's layer shapes and MobileNetV2's published
// block widths), and one optimizer step through the trainer's path (param groups, AdamW, training
// mode) changes those weights and no other — BatchNorm statistics included.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createModel } from '../../backbones/index.js';
import type { BlockRule } from '../../backbones/types.js';
import { AdamW, buildParamGroups } from '../../train/optim/index.js';
import { isHeadLayer } from '../freeze/index.js';
import { applyPeft } from './apply.js';
import type { PeftMethod, PeftModel } from './types.js';

let base: tf.LayersModel;
let blocks: BlockRule | undefined;
let x: tf.Tensor4D;

before(async () => {
  const created = await createModel('mobilenet_v2', { inputSize: 32, numClasses: 10 });
  base = created.model;
  blocks = created.entry.blocks;
  x = tf.randomNormal([4, 32, 32, 3], 0, 1, 'float32', 7);
});

const sizeOf = (shape: readonly (number | null)[]) =>
  shape.reduce<number>((a, d) => a * (d ?? 1), 1);
const bodyLayers = () => base.layers.filter((l) => !isHeadLayer(l.name));
const headParams = () =>
  base.layers.filter((l) => isHeadLayer(l.name)).reduce((n, l) => n + l.countParams(), 0);

/** Expected trainable parameters, from the base's shapes (not from what applyPeft built). */
const expectedTrainable: Record<string, () => number> = {
  bitfit: () =>
    headParams() +
    bodyLayers().reduce((n, l) => {
      if (l.getClassName() === 'BatchNormalization') return n + 2 * l.weights[0]!.shape[0]!;
      const bias = l.weights.find((w) => w.originalName.endsWith('/bias'));
      return n + (bias ? sizeOf(bias.shape) : 0);
    }, 0),
  lora: () =>
    headParams() +
    bodyLayers()
      .filter((l) => ['Conv2D', 'Dense'].includes(l.getClassName()))
      .reduce((n, l) => {
        const k = l.weights[0]!.shape as number[];
        const out = k.at(-1)!;
        return n + 4 * (sizeOf(k) / out + out);
      }, 0),
  // Keras MobileNetV2 (α = 1): each block's input → output channels.
  adapter: () =>
    headParams() +
    [
      [32, 16],
      [16, 24],
      [24, 24],
      [24, 32],
      [32, 32],
      [32, 32],
      [32, 64],
      [64, 64],
      [64, 64],
      [64, 64],
      [64, 96],
      [96, 96],
      [96, 96],
      [96, 160],
      [160, 160],
      [160, 160],
      [160, 320],
    ].reduce((n, [i, o]) => n + i! * o!, 0),
};

// One PEFT model per method, shared by the tests (the structural ones run before any step).
const built = new Map<PeftMethod, Promise<PeftModel>>();
const peftOf = (method: PeftMethod) => {
  if (!built.has(method)) built.set(method, applyPeft(base, { method, rank: 4, alpha: 8, blocks }));
  return built.get(method)!;
};

function valuesByName(model: tf.LayersModel): Map<string, Float32Array> {
  return new Map(model.weights.map((w) => [w.originalName, w.read().dataSync() as Float32Array]));
}

test('adapters: one zero-initialized 1×1 conv per block, strided as the block, added to its output', async () => {
  const { model, summary } = await peftOf('adapter');
  assert.deepEqual(summary.skipped, []);
  assert.equal(summary.layers.length, 17);
  const strides = (name: string) => (model.getLayer(name).getConfig().strides as number[])[0];
  assert.equal(strides('block_1_adapter'), 2);
  assert.equal(strides('block_2_adapter'), 1);
  assert.equal(strides('block_13_adapter'), 2);
  const add = model.getLayer('block_2_adapter_add');
  assert.deepEqual(
    add.inboundNodes[0]!.inboundLayers.map((l) => l.name),
    ['block_2_add', 'block_2_adapter'],
  );
  // The next block reads the sum.
  assert.ok(
    model
      .getLayer('block_3_expand')
      .inboundNodes[0]!.inboundLayers.some((l) => l.name === 'block_2_adapter_add'),
  );
  const kernel = model.getLayer('block_2_adapter').weights[0]!.read();
  assert.equal(tf.max(tf.abs(kernel)).dataSync()[0], 0);
});

test('lora: every body Conv2D / Dense is converted, the head and depthwise layers are not', async () => {
  const { model, summary } = await peftOf('lora');
  const classes = new Map(model.layers.map((l) => [l.name, l.getClassName()]));
  assert.equal(classes.get('Conv1'), 'VisiontuneLoraConv2D');
  assert.equal(classes.get('block_5_project'), 'VisiontuneLoraConv2D');
  assert.equal(classes.get('block_5_depthwise'), 'DepthwiseConv2D');
  assert.equal(classes.get('head'), 'Dense');
  assert.equal(summary.layers.length, [...classes.values()].filter((c) => /Lora/.test(c)).length);
  assert.deepEqual([summary.rank, summary.alpha], [4, 8]);
});

for (const method of ['bitfit', 'adapter', 'lora'] as const) {
  test(`${method}: same outputs as the base, every base weight kept by name, the expected parameters train`, async () => {
    const { model, trainableWeights, summary } = await peftOf(method);
    const diff = tf.max(
      tf.abs(tf.sub(model.predict(x) as tf.Tensor, base.predict(x) as tf.Tensor)),
    );
    assert.ok(diff.dataSync()[0]! <= 1e-6, `${method} changes the output by ${diff.dataSync()}`);
    const after = valuesByName(model);
    for (const [name, values] of valuesByName(base))
      assert.deepEqual(after.get(name), values, `${name} kept with its values`);
    assert.deepEqual(
      trainableWeights,
      model.trainableWeights.map((w) => w.originalName),
    );
    assert.equal(summary.trainableParams, expectedTrainable[method]!());
    assert.equal(summary.baseParams, base.countParams());
    assert.equal(summary.headParams, 1280 * 10 + 10);
    assert.ok(summary.fraction > 0.01 && summary.fraction < 0.1, `${summary.fraction}`);
    for (const name of trainableWeights) {
      const layer = name.split('/')[0]!;
      const kind = /\/(lora_a|lora_b)$/.test(name)
        ? 'lora'
        : /_adapter\/kernel$/.test(name)
          ? 'adapter'
          : /\/(bias|gamma|beta)$/.test(name)
            ? 'bitfit'
            : 'head';
      assert.ok(kind === method || isHeadLayer(layer), `${name} trains under ${method}`);
    }
  });

  test(`${method}: one training step changes the PEFT weights and the head, nothing else`, async () => {
    const peft: PeftModel = await peftOf(method);
    const { model } = peft;
    const optimizer = new AdamW(buildParamGroups(model, { weightDecay: 1e-2 }));
    const labels = tf.oneHot(tf.tensor1d([0, 3, 5, 9], 'int32'), 10);
    const before = valuesByName(model);
    const { value, grads } = tf.variableGrads(
      () =>
        tf.losses.softmaxCrossEntropy(
          labels,
          model.apply(x, { training: true }) as tf.Tensor,
        ) as tf.Scalar,
      optimizer.variables(),
    );
    optimizer.step(grads, 1e-2);
    tf.dispose([value, grads]);
    const changed = [...valuesByName(model)]
      .filter(([name, v]) => before.get(name)!.some((b, i) => b !== v[i]))
      .map(([name]) => name)
      .sort();
    const trainable = [...peft.trainableWeights].sort();
    assert.deepEqual(changed, trainable, 'exactly the trainable weights changed');
    // The PEFT weights did get gradients: not only the head moved.
    const peftChanged = changed.filter((n) => !isHeadLayer(n.split('/')[0]!));
    assert.ok(peftChanged.length > 0);
    assert.ok(!changed.some((n) => /moving_(mean|variance)/.test(n)));
    model.dispose();
  });
}

test('a dense network: the layers named as head train fully, the rest gets the method', async () => {
  const headLayers = base.layers.filter((l) => isHeadLayer(l.name)).map((l) => l.name);
  const extra = ['block_16_project', 'block_16_project_BN'];
  const { model } = await applyPeft(base, {
    method: 'lora',
    headLayers: [...headLayers, ...extra],
  });
  assert.equal(model.getLayer('block_16_project').getClassName(), 'Conv2D');
  assert.equal(model.getLayer('block_16_project_BN').trainable, true);
  assert.equal(model.getLayer('block_15_project_BN').trainable, false);
  model.dispose();
  await assert.rejects(
    applyPeft(base, { method: 'lora', rank: 0 }),
    /LoRA needs an integer rank >= 1/,
  );
});
