import '../../../backbones/batchnorm-fix.js';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { batchNormalization } from '../../../backbones/batchnorm-fix.js';
import { createModel } from '../../../backbones/create-model.js';
import { VisiontuneError } from '../../../errors.js';
import { analyzeChannelGroups } from './channel-groups.js';
import { type ChannelPruneOptions, pruneChannels } from './channel-prune.js';
import { maskedOriginal, randomizeWeights, relativeDiff } from './channel-testing.js';

before(async () => {
  await tf.setBackend('cpu');
});

type T = tf.SymbolicTensor;
const conv = (filters: number, name: string, x: T, kernelSize = 3) =>
  tf.layers.conv2d({ filters, kernelSize, padding: 'same', name }).apply(x) as T;
const bn = (name: string, x: T) => batchNormalization({ name }).apply(x) as T;
const relu = (name: string, x: T) => tf.layers.reLU({ name, maxValue: 6 }).apply(x) as T;
const cbr = (filters: number, name: string, x: T) =>
  relu(`${name}_relu`, bn(`${name}_bn`, conv(filters, name, x)));
const dwBlock = (name: string, x: T) =>
  relu(
    `${name}_relu`,
    bn(
      `${name}_bn`,
      tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', name }).apply(x) as T,
    ),
  );
const gapDense = (units: number, name: string, x: T) =>
  tf.layers
    .dense({ units, name })
    .apply(tf.layers.globalAveragePooling2d({ name: `${name}_pool` }).apply(x)) as T;

function chain() {
  const input = tf.input({ shape: [8, 8, 3], name: 'in' });
  const out = conv(4, 'out', cbr(12, 'c2', cbr(16, 'c1', input)));
  return tf.model({ inputs: input, outputs: out });
}

function separable() {
  const input = tf.input({ shape: [8, 8, 3], name: 'in' });
  const x = cbr(8, 'pw2', dwBlock('dw', cbr(16, 'pw1', input)));
  return tf.model({ inputs: input, outputs: gapDense(3, 'head', x) });
}

function residual() {
  const input = tf.input({ shape: [8, 8, 3], name: 'in' });
  const a = cbr(8, 'a', input);
  const h = bn('c_bn', conv(8, 'c', cbr(6, 'b', a)));
  const sum = relu('add_relu', tf.layers.add({ name: 'add' }).apply([a, h]) as T);
  return tf.model({ inputs: input, outputs: conv(4, 'out', sum) });
}

function denseHead() {
  const input = tf.input({ shape: [8, 8, 3], name: 'in' });
  let x = gapDense(16, 'hidden', cbr(12, 'c', input));
  x = tf.layers.activation({ activation: 'relu', name: 'hidden_act' }).apply(x) as T;
  x = tf.layers.dropout({ rate: 0.5, name: 'drop' }).apply(x) as T;
  return tf.model({
    inputs: input,
    outputs: tf.layers.dense({ units: 5, name: 'logits' }).apply(x) as T,
  });
}

function concatenated() {
  const input = tf.input({ shape: [8, 8, 3], name: 'in' });
  const cat = tf.layers
    .concatenate({ name: 'cat' })
    .apply([cbr(10, 'a', input), cbr(6, 'b', input)]) as T;
  return tf.model({ inputs: input, outputs: conv(4, 'out', relu('cat_relu', bn('cat_bn', cat))) });
}

/** SeparableConv2D, PReLU, UpSampling, Conv2DTranspose, a squeeze-excite Multiply, depth_multiplier. */
function otherLayers() {
  const input = tf.input({ shape: [8, 8, 3], name: 'in' });
  let x = tf.layers.prelu({ name: 'prelu' }).apply(conv(8, 'c', input)) as T;
  x = tf.layers
    .separableConv2d({
      filters: 12,
      kernelSize: 3,
      depthMultiplier: 2,
      padding: 'same',
      name: 'sep',
    })
    .apply(x) as T;
  x = tf.layers.upSampling2d({ size: [2, 2], name: 'up' }).apply(bn('sep_bn', x)) as T;
  x = tf.layers
    .conv2dTranspose({ filters: 10, kernelSize: 3, strides: 2, padding: 'same', name: 'tconv' })
    .apply(x) as T;
  x = relu('tconv_relu', bn('tconv_bn', x));
  let s = tf.layers
    .dense({ units: 4, name: 'se_reduce', activation: 'relu' })
    .apply(tf.layers.globalAveragePooling2d({ name: 'se_pool' }).apply(x)) as T;
  s = tf.layers.dense({ units: 10, name: 'se_expand', activation: 'sigmoid' }).apply(s) as T;
  s = tf.layers.reshape({ targetShape: [1, 1, 10], name: 'se_reshape' }).apply(s) as T;
  x = tf.layers.multiply({ name: 'se_scale' }).apply([x, s]) as T;
  x = tf.layers
    .depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', name: 'dw2' })
    .apply(conv(6, 'd', x)) as T;
  return tf.model({ inputs: input, outputs: conv(4, 'out', x) });
}

/** Prunes a randomized `model` and checks it against the masked original; returns the result. */
async function checkAgainstMasked(model: tf.LayersModel, options: ChannelPruneOptions) {
  randomizeWeights(model);
  const { model: pruned, report } = await pruneChannels(model, options);
  const masked = await maskedOriginal(model, analyzeChannelGroups(model), report);
  const diff = relativeDiff(pruned, masked);
  assert.ok(diff <= 1e-5, `pruned differs from the masked original by ${diff}`);
  // The mask must matter, or the comparison above proves nothing.
  if (report.paramsAfter < report.paramsBefore) assert.ok(relativeDiff(model, masked) > 1e-3);
  return { pruned, report };
}

describe('pruneChannels: same outputs as the masked original', () => {
  for (const [name, build] of [
    ['conv-BN-ReLU chain', chain],
    ['depthwise-separable block', separable],
    ['residual block with Add', residual],
    ['Dense after GAP head', denseHead],
    ['Concatenate', concatenated],
    ['separable, transposed, PReLU, squeeze-excite', otherLayers],
  ] as const) {
    for (const importance of ['l1', 'bn-gamma'] as const) {
      it(`${name} (${importance})`, async () => {
        const { report } = await checkAgainstMasked(build(), { amount: 0.5, importance });
        assert.ok(report.paramsAfter < report.paramsBefore);
      });
    }
  }

  for (const name of ['mobilenet_v2_035', 'resnet_tiny']) {
    it(`${name} from the registry`, async () => {
      const { model } = await createModel(name, {
        numClasses: 5,
        inputSize: 32,
        pretrained: false,
      });
      const { report } = await checkAgainstMasked(model, { amount: 0.4, importance: 'bn-gamma' });
      assert.ok(report.paramsAfter < 0.5 * report.paramsBefore);
      assert.ok(report.groups.filter((g) => g.after < g.before).length > 5);
    });
  }
});

describe('pruneChannels', () => {
  it('cuts every member of an Add-tied group at the same channels', async () => {
    const model = residual();
    const { pruned, report } = await checkAgainstMasked(model, { amount: 0.5, importance: 'l1' });
    const tied = report.groups.find((g) => g.layers.includes('add'))!;
    assert.deepEqual(tied.producers.sort(), ['a', 'c']);
    assert.equal(tied.after, 4);
    for (const bnName of ['a_bn', 'c_bn']) {
      const want = tf.gather(model.getLayer(bnName).getWeights()[0], tied.kept);
      const got = pruned.getLayer(bnName).getWeights()[0];
      assert.deepEqual(got.arraySync(), want.arraySync());
    }
    const inner = report.groups.find((g) => g.layers.includes('b'))!.kept;
    for (const [convName, inputKept] of [
      ['a', [0, 1, 2]],
      ['c', inner],
    ] as const) {
      const kernel = model.getLayer(convName).getWeights()[0];
      const want = tf.gather(tf.gather(kernel, tied.kept, 3), [...inputKept], 2);
      assert.deepEqual(pruned.getLayer(convName).getWeights()[0].arraySync(), want.arraySync());
    }
  });

  it('ties a squeeze-excite gate to its features and keeps depth_multiplier inputs whole', async () => {
    const { report } = await pruneChannels(otherLayers(), { amount: 0.5, importance: 'l1' });
    const gated = report.groups.find((g) => g.layers.includes('se_scale'))!;
    assert.deepEqual(gated.producers.sort(), ['se_expand', 'tconv']);
    assert.equal(gated.after, 5);
    const d = report.groups.find((g) => g.layers.includes('d'))!;
    assert.equal(d.prunable, false);
    assert.match(d.reason ?? '', /depth_multiplier/);
  });

  it('drops the parameter count as the channel counts say', async () => {
    const { report, model: pruned } = await pruneChannels(chain(), {
      amount: 0.5,
      importance: 'l1',
    });
    // conv k*k*in*out + bias, BN 4 per channel; c1 16 -> 8, c2 12 -> 6, out keeps 4.
    const count = (c1: number, c2: number) =>
      9 * 3 * c1 + c1 + 4 * c1 + 9 * c1 * c2 + c2 + 4 * c2 + 9 * c2 * 4 + 4;
    assert.equal(report.paramsBefore, count(16, 12));
    assert.equal(report.paramsAfter, count(8, 6));
    assert.equal(pruned.countParams(), count(8, 6));
  });

  it('rounds kept counts up to multipleOf and respects minChannels', async () => {
    const { report } = await pruneChannels(chain(), {
      amount: 0.5,
      importance: 'l1',
      multipleOf: 5,
    });
    const after = (layer: string) => report.groups.find((g) => g.layers.includes(layer))!.after;
    assert.equal(after('c1'), 10);
    assert.equal(after('c2'), 10);
    const few = await pruneChannels(chain(), { amount: 0.9, importance: 'l1', minChannels: 4 });
    assert.equal(few.report.groups.find((g) => g.layers.includes('c1'))!.after, 4);
  });

  it('saves and reloads a pruned model to the same outputs', async () => {
    const model = separable();
    randomizeWeights(model);
    const { model: pruned } = await pruneChannels(model, { amount: 0.5, importance: 'l1' });
    let artifacts: tf.io.ModelArtifacts | undefined;
    await pruned.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const reloaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
    assert.equal(relativeDiff(reloaded, pruned), 0);
  });

  it('amount 0 keeps every channel and the outputs', async () => {
    const model = residual();
    randomizeWeights(model);
    const { model: pruned, report } = await pruneChannels(model, { amount: 0, importance: 'l1' });
    assert.equal(report.paramsAfter, report.paramsBefore);
    assert.ok(report.groups.every((g) => g.after === g.before));
    assert.equal(relativeDiff(pruned, model), 0);
  });

  it('leaves the original model untouched', async () => {
    const model = residual();
    randomizeWeights(model);
    const before = model.getWeights().map((w) => w.arraySync());
    const params = model.countParams();
    await pruneChannels(model, { amount: 0.5, importance: 'l1' });
    assert.equal(model.countParams(), params);
    assert.deepEqual(
      model.getWeights().map((w) => w.arraySync()),
      before,
    );
  });

  it('never prunes the logits group', async () => {
    const { report, model: pruned } = await pruneChannels(denseHead(), {
      amount: 0.5,
      importance: 'l1',
    });
    const logits = report.groups.find((g) => g.layers.includes('logits'))!;
    assert.equal(logits.prunable, false);
    assert.equal(logits.after, 5);
    assert.deepEqual(pruned.outputs[0].shape, [null, 5]);
    assert.equal(report.groups.find((g) => g.layers.includes('hidden'))!.after, 8);
  });

  it('refuses a layer class it does not know, naming it', async () => {
    const input = tf.input({ shape: [8, 8, 3], name: 'in' });
    const x = tf.layers.layerNormalization({ name: 'norm' }).apply(conv(4, 'c', input)) as T;
    const model = tf.model({ inputs: input, outputs: conv(2, 'out', x) });
    await assert.rejects(
      pruneChannels(model, { amount: 0.5, importance: 'l1' }),
      (err: unknown) =>
        err instanceof VisiontuneError && /'norm'.*LayerNormalization/.test(err.message),
    );
  });

  it('rejects amounts outside [0, 1) and unknown criteria', async () => {
    for (const options of [
      { amount: 1, importance: 'l1' },
      { amount: -0.1, importance: 'l1' },
      { amount: 0.5, importance: 'taylor' },
      { amount: 0.5, importance: 'l1', multipleOf: 0 },
    ]) {
      await assert.rejects(
        pruneChannels(chain(), options as ChannelPruneOptions),
        (err: unknown) => err instanceof VisiontuneError && err.code === 'BAD_USAGE',
      );
    }
  });

  it('keeps the channels with the largest |gamma| (bn-gamma)', async () => {
    const model = chain();
    const gammas = [0.1, -3, 0.2, 2, 0.05, -0.3, 5, 0.01, 1, -0.02, 0.4, 4, 0.03, -0.5, 0.6, 0.07];
    const bnLayer = model.getLayer('c1_bn');
    const [, ...rest] = bnLayer.getWeights();
    bnLayer.setWeights([tf.tensor1d(gammas), ...rest]);
    const { report } = await pruneChannels(model, { amount: 0.5, importance: 'bn-gamma' });
    const g = report.groups.find((g) => g.layers.includes('c1'))!;
    assert.equal(g.importance, 'bn-gamma');
    assert.deepEqual(
      g.kept,
      [1, 3, 6, 8, 11, 13, 14, 10].sort((a, b) => a - b),
    );
  });

  it('keeps the filters with the largest L1 norm (l1), normalized per producer', async () => {
    const model = residual();
    // Producer 'a' at 1000x scale must not outvote 'c': both favour different channels.
    const scaleOf = (favoured: number[], big: number) => (c: number) =>
      (favoured.includes(c) ? 2 : 1) * big;
    const setKernel = (name: string, scale: (c: number) => number) => {
      const layer = model.getLayer(name);
      const [kernel, ...rest] = layer.getWeights();
      const per = tf.tensor1d([...Array(8).keys()].map(scale));
      layer.setWeights([tf.mul(tf.onesLike(kernel), per), ...rest]);
    };
    setKernel('a', scaleOf([0, 1, 2, 3], 1000));
    setKernel('c', scaleOf([0, 1, 2, 3], 1));
    let { report } = await pruneChannels(model, { amount: 0.5, importance: 'l1' });
    assert.deepEqual(report.groups.find((g) => g.layers.includes('add'))!.kept, [0, 1, 2, 3]);
    // Disagreeing producers: unnormalized, 'a' (1000x larger) would decide alone and keep 0-3;
    // normalized, 'c' favouring 4 and 5 by 3x outweighs 'a' favouring 2 and 3 by 2x.
    setKernel('c', (c) => ([0, 1, 4, 5].includes(c) ? 3 : 1));
    ({ report } = await pruneChannels(model, { amount: 0.5, importance: 'l1' }));
    assert.deepEqual(report.groups.find((g) => g.layers.includes('add'))!.kept, [0, 1, 4, 5]);
  });

  it('falls back to l1 for a group without BatchNorm', async () => {
    const { report } = await pruneChannels(denseHead(), { amount: 0.5, importance: 'bn-gamma' });
    assert.equal(report.groups.find((g) => g.layers.includes('hidden'))!.importance, 'l1');
    assert.equal(report.groups.find((g) => g.layers.includes('c'))!.importance, 'bn-gamma');
  });

  it('prunes a Sequential model', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 8, kernelSize: 3, name: 's1' }),
        tf.layers.reLU({ name: 's1_relu' }),
        tf.layers.globalAveragePooling2d({ name: 'pool' }),
        tf.layers.dense({ units: 3, name: 'logits' }),
      ],
    });
    await checkAgainstMasked(model, { amount: 0.5, importance: 'l1' });
  });
});
