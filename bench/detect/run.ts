// Detection benchmark: MNIST digits pasted at varied scales on natural photos (Debian's
// mate-backgrounds), written as COCO and read back through the loader users use; the FCOS detector
// on mobilenet_v2 pretrained vs the same network from scratch, same data, epochs and steps;
// COCO AP, AP50, AP75, AP small/medium on held-out images whose digits come from MNIST's test split.
// Prints JSON. Long (see the README table for times): run it outside tests.
// Usage: node --import tsx bench/detect/run.ts [--train 1500] [--test 300] [--size 192]
//        [--epochs 16] [--batch 16] [--lr 1e-3] [--backbone-lr-mult 1] [--train-bn]
//        [--strategies finetune,scratch] [--out runs/bench-detect]
import path from 'node:path';
import { initEngine } from '../../src/engine/index.js';
import { resolveDetectConfig } from '../../src/methods/detection/config.js';
import { trainDetector } from '../../src/methods/detection/train.js';
import { machineInfo } from '../machine.js';
import { makeDetectionSet } from './make-detection-set.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}
const trainImages = Number(arg('train', '1500'));
const testImages = Number(arg('test', '300'));
const size = Number(arg('size', '192'));
const epochs = Number(arg('epochs', '16'));
const batch = Number(arg('batch', '16'));
const strategies = arg('strategies', 'finetune,scratch').split(',') as ('finetune' | 'scratch')[];
const out = arg('out', 'runs/bench-detect');
const lr = Number(arg('lr', '1e-3'));
const backboneLrMult = Number(arg('backbone-lr-mult', '1'));
const trainBn = process.argv.includes('--train-bn');
const log = (line: string) => process.stderr.write(`${line}\n`);

const engine = await initEngine({});
const started = performance.now();
const trainSet = await makeDetectionSet({
  dir: path.join(out, 'data-train'),
  images: trainImages,
  size,
  seed: 1,
  split: 'train',
});
const testSet = await makeDetectionSet({
  dir: path.join(out, 'data-test'),
  images: testImages,
  size,
  seed: 2,
  split: 'test',
});
const boxes = (d: typeof trainSet) => d.dataset.samples.reduce((n, s) => n + s.boxes.length, 0);
log(`data: ${trainImages} training images (${boxes(trainSet)} boxes), ${testImages} test images`);

const runs = [];
for (const strategy of strategies) {
  log(`== ${strategy}`);
  const t0 = performance.now();
  const result = await trainDetector(
    resolveDetectConfig({
      data: trainSet.annotationFile,
      testData: testSet.annotationFile,
      val: 0.1,
      backbone: 'mobilenet_v2',
      strategy,
      imageSize: size,
      epochs,
      batch,
      lr,
      backboneLrMult,
      freezeBn: !trainBn,
      evalEvery: Math.max(1, Math.floor(epochs / 4)),
      out: path.join(out, strategy),
      seed: 0,
    }),
    {
      log,
      callbacks: [{ onEpochEnd: (r) => void log(JSON.stringify(r)) }],
    },
  );
  const { perCategory, prCurves50: _curves, ...headline } = result.metrics;
  runs.push({
    strategy,
    seconds: (performance.now() - t0) / 1000,
    bundle: result.bundleDir,
    report: result.reportFile,
    metrics: headline,
    apPerDigit: perCategory.map((c) => ({ digit: c.categoryId, ap: c.ap, ap50: c.ap50 })),
  });
  log(`${strategy}: AP ${headline.ap.toFixed(3)}  AP50 ${headline.ap50.toFixed(3)}`);
}

console.log(
  JSON.stringify(
    {
      benchmark: 'detect',
      date: new Date().toISOString(),
      machine: { ...machineInfo(), backend: engine.backend },
      data: {
        train: { images: trainImages, boxes: boxes(trainSet), mnistSplit: 'train', seed: 1 },
        test: { images: testImages, boxes: boxes(testSet), mnistSplit: 'test', seed: 2 },
        size,
      },
      setup: {
        backbone: 'mobilenet_v2',
        epochs,
        batch,
        lr,
        backboneLrMult,
        trainBn,
        heldOutForValidation: 0.1,
      },
      runs,
      seconds: (performance.now() - started) / 1000,
    },
    null,
    2,
  ),
);
