// The default cut of imported torchvision classifiers against PyTorch's pre-logits (the input of
// the final Linear, caught by a hook in scripts/onnx/zoo_export.py): ViT imported and used as a
// backbone embeds its class token after the final LayerNorm, MaxViT its MLP head's input, Swin and
// ConvNeXt keep a map whose pooling is the pre-logits, CNNs keep their last feature map; a head
// trains on a [batch, dim] embedding, and a layer of any other shape is refused.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { VisiontuneError } from '../errors.js';
import { createModel } from './create-model.js';
import { defaultCut } from './default-cut.js';
import { cutPoints, featureShape, findTaps, getLayerOrThrow } from './graph.js';
import { convertGraph } from './onnx/convert.js';
import { importOnnx } from './onnx/import.js';
import { parseOnnx } from './onnx/parse.js';
import { preLogitsFixtures, type ZooFixture, zooFixtures } from './onnx/test-fixtures.js';
import { maxAbsError } from './onnx/test-graph.js';
import { rebuildBody } from './rebuild.js';
import { tempDir } from './test-setup.js';

const preLogits = preLogitsFixtures();
const zoo = zooFixtures();
const fixture = (name: string) => preLogits.models.find((m) => m.name === name) as ZooFixture;
const convert = (f: ZooFixture) =>
  convertGraph(parseOnnx(readFileSync(f.file), f.file), { name: f.name });

/** The fixture's NCHW input as the NHWC batch the converted models take. */
const nhwc = (f: ZooFixture) => {
  const [n, c, h, w] = f.inputShape as [number, number, number, number];
  return tf.transpose(tf.tensor4d(f.input, [n, c, h, w]), [0, 2, 3, 1]);
};

/** `layer`'s output on the fixture's input, pooled over height and width where it is a map. */
function featuresAt(model: tf.LayersModel, layer: string, f: ZooFixture): Float32Array {
  const cut = tf.model({ inputs: model.inputs, outputs: getLayerOrThrow(model, layer).output });
  return tf.tidy(() => {
    const y = cut.predict(nhwc(f)) as tf.Tensor;
    return (y.rank === 4 ? y.mean([1, 2]) : y).dataSync() as Float32Array;
  });
}

/** An embedding model's output on the fixture's input. */
const embeddingOf = (model: tf.LayersModel, f: ZooFixture) =>
  tf.tidy(() => (model.predict(nhwc(f)) as tf.Tensor).dataSync() as Float32Array);

/** The cut before this change: the model's output if a map, else the last 4-D cut point. */
function lastMap(model: tf.LayersModel): string | undefined {
  const out = model.outputs[0]!.sourceLayer;
  if (featureShape(out)) return out.name;
  return cutPoints(model)
    .filter((l) => featureShape(l) && l.getClassName() !== 'InputLayer')
    .at(-1)?.name;
}

const assertPreLogits = (got: Float32Array, f: ZooFixture) => {
  assert.equal(got.length, f.preLogits!.length, `${f.name}: embedding size`);
  const error = maxAbsError(got, f.preLogits!);
  assert.ok(error <= 1e-4, `${f.name}: max abs error ${error} against PyTorch's pre-logits`);
};

test('an imported ViT embeds its class token after the final LayerNorm, and trains a head on it', {
  skip: preLogits.skip,
}, async () => {
  await tf.setBackend('cpu');
  const f = fixture('tiny_vit');
  const dir = path.join(await tempDir('vt-vitcut-'), 'vit');
  const imported = await importOnnx(f.file, { out: dir });
  const { embeddingLayer, embeddingDim, taps } = imported.config;
  assert.equal(embeddingDim, f.preLogits!.length / f.inputShape[0]!);
  // Taps stay the feature maps the whole graph offers (the patch embedding).
  const whole = convert(f);
  assert.deepEqual(taps, findTaps(whole, f.inputShape[2]!));
  assert.ok(taps.length > 0 && !taps.some((t) => t.layer === embeddingLayer));
  whole.dispose();

  const embed = await createModel(dir);
  assert.equal(embed.config.embeddingLayer, embeddingLayer);
  assert.deepEqual(embed.embedding, [
    { layer: embeddingLayer, width: embeddingDim, pooled: false },
  ]);
  assertPreLogits(embeddingOf(embed.model, f), f);
  embed.model.dispose();

  // A map and the vector together: the tap pooled, then the pre-logits as they are.
  const tap = taps[0]!;
  const both = await createModel(dir, { embeddingLayer: `${tap.layer}+${embeddingLayer}` });
  assert.equal(both.config.embeddingDim, tap.channels + embeddingDim);
  const joined = embeddingOf(both.model, f);
  const n = f.inputShape[0]!;
  const width = tap.channels + embeddingDim;
  const tail = Array.from({ length: n }, (_, i) =>
    joined.subarray(i * width + tap.channels, (i + 1) * width),
  );
  assertPreLogits(Float32Array.from(tail.flatMap((row) => Array.from(row))), f);
  both.model.dispose();

  // A head on the vector: the body frozen, its embedding stays PyTorch's while the head learns.
  const { model } = await createModel(dir, { numClasses: 3, seed: 1 });
  const head = model.getLayer('head');
  assert.equal(head.inboundNodes[0]!.inboundLayers[0]!.name, embeddingLayer);
  assert.ok(!model.layers.some((l) => l.name === 'pool'));
  for (const layer of model.layers) layer.trainable = layer === head;
  model.compile({ optimizer: tf.train.sgd(0.5), loss: 'sparseCategoricalCrossentropy' });
  const x = nhwc(f);
  const y = tf.tensor1d([0, 2], 'float32');
  const losses: number[] = [];
  for (let step = 0; step < 4; step++) losses.push((await model.trainOnBatch(x, y)) as number);
  assert.ok(losses.every(Number.isFinite), `losses ${losses}`);
  assert.ok(losses.at(-1)! < losses[0]!, `losses ${losses} fall`);
  assertPreLogits(featuresAt(model, embeddingLayer, f), f);
  tf.dispose([x, y]);

  // Its token count is fixed: another input size is refused, naming the reshape that fixes it.
  await assert.rejects(
    createModel(dir, { inputSize: 64 }),
    (err: Error) =>
      err instanceof VisiontuneError &&
      /cannot run at 64 px, only at 32: layer '/.test(err.message),
  );

  // Tokens [batch, tokens, dim] are neither a map to pool nor a vector: refused, named.
  const tokens = model.layers.find((l) => (l.outputShape as unknown[]).length === 3)!.name;
  await assert.rejects(
    createModel(dir, { embeddingLayer: tokens }),
    (err: Error) =>
      err instanceof VisiontuneError && err.message.includes(tokens) && /neither/.test(err.message),
  );
  model.dispose();
});

test('MaxViT is cut at its MLP head’s input; Swin and ConvNeXt keep a map whose pooling is the pre-logits', {
  skip: preLogits.skip,
}, async () => {
  await tf.setBackend('cpu');
  for (const name of ['tiny_maxvit', 'tiny_swin', 'tiny_convnext']) {
    const f = fixture(name);
    const model = convert(f);
    const cut = defaultCut(model);
    const isMap = featureShape(getLayerOrThrow(model, cut)) !== undefined;
    assert.equal(isMap, name !== 'tiny_maxvit', `${name}: cut ${cut}`);
    if (isMap) assert.equal(cut, lastMap(model), `${name}: the last map, as before`);
    assertPreLogits(featuresAt(model, cut, f), f);
    model.dispose();
  }
});

test('CNN imports keep their last feature map as the default cut', { skip: zoo.skip }, async () => {
  await tf.setBackend('cpu');
  for (const name of ['tiny_densenet', 'tiny_shufflenet', 'tiny_fpn', 'tiny_lraspp']) {
    const f = zoo.models.find((m) => m.name === name)!;
    const model = convert(f);
    assert.equal(defaultCut(model), lastMap(model), name);
    if (name === 'tiny_densenet') {
      // Its sizes all follow the input's: it still builds and runs at another size.
      const larger = await rebuildBody(model, { inputSize: 64 }, false);
      const y = larger.predict(tf.zeros([1, 64, 64, 3])) as tf.Tensor;
      assert.deepEqual(y.shape, [1, 10]);
      larger.dispose();
      y.dispose();
    }
    model.dispose();
  }
});
