import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { buildDetector } from '../../heads/detection/fcos-model.js';
import { channelsPerLocation, locationCount } from '../../heads/detection/layout.js';
import { buildDeeplabV3Plus } from '../../heads/segmentation/deeplab.js';
import { buildUnet } from '../../heads/segmentation/unet.js';
import '../../bundle/custom-layers.js';
import { buildParamGroups } from '../../train/optim/param-groups.js';
import { isHeadLayer } from '../freeze/blocks.js';
import { buildMultiTaskNetwork, type TaskHeadSpec } from './network.js';

const FOUR: TaskHeadSpec[] = [
  { name: 'kind', kind: 'classification', numClasses: 3 },
  { name: 'tags', kind: 'multilabel', numClasses: 5, tap: 16 },
  { name: 'boxes', kind: 'detection', numClasses: 2, towerDepth: 1 },
  { name: 'masks', kind: 'segmentation', numClasses: 4 },
];

const weightShapes = (model: tf.LayersModel, layers: Iterable<string>) =>
  [...layers]
    .flatMap((l) =>
      model
        .getLayer(l)
        .getWeights()
        .map((w) => w.shape.join('x')),
    )
    .sort();

test('one backbone, one output per task in task order, every head layer named head_<task>_', async () => {
  await tf.setBackend('cpu');
  const net = await buildMultiTaskNetwork({
    backbone: 'resnet_tiny',
    pretrained: false,
    inputSize: 64,
    channels: 8,
    seed: 1,
    tasks: FOUR,
  });
  const { model, heads } = net;
  assert.deepEqual(
    heads.map((h) => [h.name, h.kind, h.output]),
    FOUR.map((t, i) => [t.name, t.kind, i]),
  );
  assert.deepEqual(
    model.outputs.map((o) => o.shape),
    [
      [null, 3],
      [null, 5],
      [null, locationCount(heads[2].layout!), channelsPerLocation(heads[2].layout!)],
      [null, 64, 64, 4],
    ],
  );
  assert.deepEqual(heads[2].layout, { inputSize: 64, strides: [8, 16, 32], numClasses: 2 });
  assert.equal(heads[3].decoder, 'unet');
  assert.equal(heads[1].tap, 16);
  // Layers: the input, the backbone and the heads, each exactly once, heads disjoint.
  const names = model.layers.map((l) => l.name);
  assert.equal(new Set(names).size, names.length);
  const owned = [...net.backboneLayers, ...heads.flatMap((h) => [...h.layers])];
  assert.equal(new Set(owned).size, owned.length);
  assert.deepEqual(new Set(owned), new Set(names));
  for (const head of heads) {
    assert.ok(head.layers.size >= 2, head.name);
    for (const layer of head.layers) {
      assert.ok(layer.startsWith(`head_${head.name}_`), `${layer} in ${head.name}`);
      assert.ok(isHeadLayer(layer), layer);
    }
  }
  for (const layer of net.backboneLayers) assert.ok(!layer.startsWith('head'), layer);
  // The shared FCOS head still runs on every level; the multilabel head pools the stride-16 map.
  assert.equal(model.getLayer('head_boxes_cls_logits').inboundNodes.length, 3);
  assert.equal(
    model.getLayer('head_tags_pool').inboundNodes[0].inboundLayers[0].name,
    'stage3_out',
  );
  assert.equal(
    model.getLayer('head_kind_pool').inboundNodes[0].inboundLayers[0].name,
    'stage4_out',
  );
  // The dense heads are the single-task heads under a prefix: the same weights, shape by shape.
  const det = await buildDetector({
    backbone: 'resnet_tiny',
    pretrained: false,
    numClasses: 2,
    inputSize: 64,
    channels: 8,
    towerDepth: 1,
  });
  const unet = await buildUnet({
    backbone: 'resnet_tiny',
    pretrained: false,
    numClasses: 4,
    inputSize: 64,
    channels: 8,
  });
  const notBackbone = (m: tf.LayersModel, backbone: Set<string>) =>
    m.layers.map((l) => l.name).filter((n) => !backbone.has(n));
  assert.deepEqual(
    weightShapes(model, heads[2].layers),
    weightShapes(det.model, notBackbone(det.model, det.backboneLayers)),
  );
  assert.deepEqual(
    weightShapes(model, heads[3].layers),
    weightShapes(unet.model, notBackbone(unet.model, unet.backboneLayers)),
  );
  // One forward pass gives every task's output, finite.
  const x = tf.randomUniform([2, 64, 64, 3], -1, 1, 'float32', 4);
  const ys = model.predict(x) as tf.Tensor[];
  assert.deepEqual(
    ys.map((y) => y.shape),
    [
      [2, 3],
      [2, 5],
      [2, 84, 7],
      [2, 64, 64, 4],
    ],
  );
  for (const y of ys) assert.ok((await tf.all(tf.isFinite(y)).data())[0] === 1);
  tf.dispose([x, ...ys]);
  for (const m of [model, det.model, unet.model]) m.dispose();
});

test('a U-Net bottleneck reduces the deepest tap with a 1×1 conv before the first skip', async () => {
  await tf.setBackend('cpu');
  const build = (bottleneck?: number) =>
    buildMultiTaskNetwork({
      backbone: 'resnet_tiny',
      pretrained: false,
      inputSize: 64,
      channels: 8,
      tasks: [{ name: 'masks', kind: 'segmentation', numClasses: 4, bottleneck }],
    });
  const plain = await build();
  const reduced = await build(6);
  const deep = plain.model.getLayer('head_masks_dec_skip_2').getInputAt(0) as tf.SymbolicTensor[];
  const deepChannels = deep[0]!.shape[3]!;
  const skipChannels = deep[1]!.shape[3]!;
  assert.deepEqual(reduced.model.getLayer('head_masks_dec_reduce_conv').getWeights()[0]!.shape, [
    1,
    1,
    deepChannels,
    6,
  ]);
  // The first 3×3 conv now reads 6 + skip channels instead of the whole deepest map.
  assert.equal(
    reduced.model.getLayer('head_masks_dec_2_a_conv').getWeights()[0]!.shape[2],
    6 + skipChannels,
  );
  assert.equal(
    plain.model.countParams() - reduced.model.countParams(),
    // 3×3×8 weights per input channel dropped, minus the 1×1 conv and its BatchNorm (4 × 6).
    9 * 8 * (deepChannels - 6) - (deepChannels * 6 + 4 * 6),
  );
  assert.equal(reduced.model.outputs[0]!.shape.join(), ',64,64,4');
  plain.model.dispose();
  reduced.model.dispose();
});

test('a deeplab head and two heads of one kind on mobilenet_v2_035: distinct initial weights', async () => {
  await tf.setBackend('cpu');
  const net = await buildMultiTaskNetwork({
    backbone: 'mobilenet_v2_035',
    pretrained: false,
    inputSize: 64,
    seed: 2,
    tasks: [
      { name: 'a', kind: 'classification', numClasses: 4, dropRate: 0.2 },
      { name: 'b', kind: 'classification', numClasses: 4 },
      { name: 'seg', kind: 'segmentation', numClasses: 3, decoder: 'deeplabv3plus', channels: 16 },
    ],
  });
  const { model, heads } = net;
  assert.deepEqual(
    model.outputs.map((o) => o.shape),
    [
      [null, 4],
      [null, 4],
      [null, 64, 64, 3],
    ],
  );
  assert.deepEqual([...heads[0].layers].sort(), ['head_a_drop', 'head_a_logits', 'head_a_pool']);
  assert.equal(heads[2].decoder, 'deeplabv3plus');
  const deeplab = await buildDeeplabV3Plus({
    backbone: 'mobilenet_v2_035',
    pretrained: false,
    numClasses: 3,
    inputSize: 64,
    channels: 16,
  });
  const deeplabHead = deeplab.model.layers
    .map((l) => l.name)
    .filter((n) => !deeplab.backboneLayers.has(n));
  assert.deepEqual(
    [...heads[2].layers].sort(),
    deeplabHead.map((n) => `head_seg_${n.replace(/^head_/, '')}`).sort(),
  );
  const kernelA = model.getLayer('head_a_logits').getWeights()[0];
  const kernelB = model.getLayer('head_b_logits').getWeights()[0];
  assert.ok((await tf.max(tf.abs(tf.sub(kernelA, kernelB))).data())[0] > 1e-3);
  // Same seed, same network.
  const again = await buildMultiTaskNetwork({
    backbone: 'mobilenet_v2_035',
    pretrained: false,
    inputSize: 64,
    seed: 2,
    tasks: [
      { name: 'a', kind: 'classification', numClasses: 4, dropRate: 0.2 },
      { name: 'b', kind: 'classification', numClasses: 4 },
      { name: 'seg', kind: 'segmentation', numClasses: 3, decoder: 'deeplabv3plus', channels: 16 },
    ],
  });
  const x = tf.randomUniform([1, 64, 64, 3], -1, 1, 'float32', 9);
  const [y1, y2] = [model, again.model].map((m) => m.predict(x) as tf.Tensor[]);
  for (let i = 0; i < 3; i++)
    assert.equal((await tf.max(tf.abs(tf.sub(y1[i], y2[i]))).data())[0], 0);
  for (const m of [model, again.model, deeplab.model]) m.dispose();
});

test('pooled heads alone need no multiple of 32, and read a tap given by layer name', async () => {
  await tf.setBackend('cpu');
  const net = await buildMultiTaskNetwork({
    backbone: 'resnet_tiny',
    pretrained: false,
    inputSize: 48,
    tasks: [
      { name: 'x', kind: 'classification', numClasses: 2, tap: 'stage3_out' },
      { name: 'y', kind: 'multilabel', numClasses: 3 },
    ],
  });
  assert.deepEqual(
    net.model.outputs.map((o) => o.shape),
    [
      [null, 2],
      [null, 3],
    ],
  );
  assert.equal(net.heads[0].tap, 'stage3_out');
  net.model.dispose();
});

test('a tap named by its layer and the same stride of a dense head are one backbone output', async () => {
  await tf.setBackend('cpu');
  const warnings: unknown[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => warnings.push(args);
  try {
    const net = await buildMultiTaskNetwork({
      backbone: 'resnet_tiny',
      pretrained: false,
      inputSize: 64,
      channels: 8,
      tasks: [
        { name: 'c', kind: 'classification', numClasses: 2, tap: 'stage4_out' },
        { name: 'd', kind: 'detection', numClasses: 2, towerDepth: 1 },
      ],
    });
    assert.equal(net.heads[0].tap, 'stage4_out');
    assert.equal(
      net.model.getLayer('head_c_pool').inboundNodes[0].inboundLayers[0].name,
      'stage4_out',
    );
    net.model.dispose();
  } finally {
    console.warn = warn;
  }
  // tfjs warns "The list of outputs passed to the model is redundant" for a repeated output.
  assert.deepEqual(warnings, []);
});

test('bad task lists are refused by name', async () => {
  const build = (tasks: TaskHeadSpec[], inputSize = 64) =>
    buildMultiTaskNetwork({ backbone: 'resnet_tiny', pretrained: false, inputSize, tasks });
  await assert.rejects(build([]), /at least one task/);
  await assert.rejects(
    build([{ name: 'Cls', kind: 'classification', numClasses: 2 }]),
    /task name 'Cls': must match/,
  );
  await assert.rejects(
    build([
      { name: 'a', kind: 'classification', numClasses: 2 },
      { name: 'a', kind: 'multilabel', numClasses: 2 },
    ]),
    /task name 'a': used twice/,
  );
  await assert.rejects(
    build([{ name: 'a', kind: 'keypoints' as never, numClasses: 2 }]),
    /task a: kind 'keypoints' is not one of classification, multilabel, detection, segmentation/,
  );
  await assert.rejects(
    build([{ name: 'a', kind: 'classification', numClasses: 0 }]),
    /task a: numClasses must be a positive whole number/,
  );
  await assert.rejects(
    build([{ name: 'd', kind: 'detection', numClasses: 2, tap: 16 }]),
    /task d: tap is for classification\/multilabel heads, not detection/,
  );
  await assert.rejects(
    build([{ name: 'c', kind: 'classification', numClasses: 2, decoder: 'unet' }]),
    /task c: decoder is for segmentation heads/,
  );
  await assert.rejects(
    build([{ name: 's', kind: 'segmentation', numClasses: 2, decoder: 'fcn' as never }]),
    /task s: decoder 'fcn' is not one of unet, deeplabv3plus/,
  );
  await assert.rejects(
    build([{ name: 'd', kind: 'detection', numClasses: 2, bottleneck: 8 }]),
    /task d: bottleneck is for segmentation heads, not detection/,
  );
  await assert.rejects(
    build([
      { name: 's', kind: 'segmentation', numClasses: 2, decoder: 'deeplabv3plus', bottleneck: 8 },
    ]),
    /task s: bottleneck is for the unet decoder, not deeplabv3plus/,
  );
  await assert.rejects(
    build([{ name: 'd', kind: 'detection', numClasses: 2 }], 72),
    /image size: must be a multiple of 32/,
  );
  await assert.rejects(
    build([{ name: 'c', kind: 'classification', numClasses: 2, tap: 2 as never }]),
    /taps: stride 2 is not one of this backbone's taps/,
  );
  // `a` + deeplab's `aspp_pool` and `a_aspp` + `pool` would both be head_a_aspp_pool.
  await assert.rejects(
    build([
      { name: 'a', kind: 'segmentation', numClasses: 2, decoder: 'deeplabv3plus', channels: 8 },
      { name: 'a_aspp', kind: 'classification', numClasses: 2 },
    ]),
    /tasks a and a_aspp: both heads would have a layer named head_a_aspp_pool/,
  );
});

test('the network saves and loads back as one model with every output, and groups head vs backbone', async () => {
  await tf.setBackend('cpu');
  const net = await buildMultiTaskNetwork({
    backbone: 'resnet_tiny',
    pretrained: false,
    inputSize: 64,
    channels: 8,
    seed: 5,
    tasks: [
      { name: 'kind', kind: 'classification', numClasses: 3 },
      { name: 'boxes', kind: 'detection', numClasses: 2, towerDepth: 1 },
      { name: 'masks', kind: 'segmentation', numClasses: 2, decoder: 'deeplabv3plus' },
    ],
  });
  let saved: tf.io.ModelArtifacts | undefined;
  await net.model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
  assert.deepEqual(
    loaded.outputs.map((o) => o.shape),
    net.model.outputs.map((o) => o.shape),
  );
  assert.deepEqual(loaded.outputNames, [
    'head_kind_logits',
    'head_boxes_detections',
    'head_masks_upsample',
  ]);
  const x = tf.randomUniform([1, 64, 64, 3], -1, 1, 'float32', 6);
  const before = net.model.predict(x) as tf.Tensor[];
  const after = loaded.predict(x) as tf.Tensor[];
  for (let i = 0; i < 3; i++)
    assert.ok((await tf.max(tf.abs(tf.sub(before[i], after[i]))).data())[0] < 1e-6, `output ${i}`);
  // Optimizer groups by name: every head weight in the head group, every backbone weight not.
  const groups = buildParamGroups(net.model, { backboneLrMult: 0.1 });
  const headWeights = new Set(
    net.heads.flatMap((h) => [...h.layers].flatMap((l) => net.model.getLayer(l).trainableWeights)),
  );
  for (const group of groups) {
    const inHead = group.variables.filter((v) =>
      [...headWeights].some((w) => w.name === (v as tf.LayerVariable).name),
    );
    if (group.lrMult === 1) assert.equal(inHead.length, group.variables.length, group.name);
    else assert.equal(inHead.length, 0, group.name);
  }
  assert.equal(
    groups.filter((g) => g.lrMult === 1).reduce((n, g) => n + g.variables.length, 0),
    headWeights.size,
  );
  assert.ok(groups.some((g) => g.lrMult === 0.1 && g.variables.length > 10));
  tf.dispose([x, ...before, ...after]);
  net.model.dispose();
  loaded.dispose();
});
