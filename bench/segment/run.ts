// Segmentation benchmark: MNIST digits and Fashion-MNIST items composited on natural photos
// (Debian's mate-backgrounds) with per-pixel class masks (background, 10 digits, 10 garments),
// written as image + index-PNG pairs and read back through the loader users use. U-Net and
// DeepLabV3+ decoders on mobilenet_v2, pretrained vs the same network from scratch, same data,
// epochs and steps; mIoU, pixel accuracy and per-class IoU on held-out images whose objects come
// from the MNIST / Fashion-MNIST test splits. Prints JSON. Long: run it outside tests.
// Usage: node --import tsx bench/segment/run.ts [--train 1500] [--test 200] [--size 128]
//        [--epochs 16] [--batch 16] [--lr 3e-3] [--dice-weight 1] [--decoders unet,deeplabv3plus]
//        [--strategies finetune,scratch] [--out runs/bench-segment]
import path from 'node:path';
import { initEngine } from '../../src/engine/index.js';
import { resolveSegmentConfig } from '../../src/methods/segmentation/config.js';
import { trainSegmenter } from '../../src/methods/segmentation/train.js';
import { machineInfo } from '../machine.js';
import { makeSegmentationSet } from './make-segmentation-set.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}
const trainImages = Number(arg('train', '1500'));
const testImages = Number(arg('test', '200'));
const size = Number(arg('size', '128'));
const epochs = Number(arg('epochs', '16'));
const batch = Number(arg('batch', '16'));
const lr = Number(arg('lr', '3e-3'));
const diceWeight = Number(arg('dice-weight', '1'));
const decoders = arg('decoders', 'unet,deeplabv3plus').split(',') as ('unet' | 'deeplabv3plus')[];
const strategies = arg('strategies', 'finetune,scratch').split(',') as ('finetune' | 'scratch')[];
const out = arg('out', 'runs/bench-segment');
const log = (line: string) => process.stderr.write(`${line}\n`);

const engine = await initEngine({});
const started = performance.now();
const trainSet = await makeSegmentationSet({
  dir: path.join(out, 'data-train'),
  images: trainImages,
  size,
  seed: 1,
  split: 'train',
});
const testSet = await makeSegmentationSet({
  dir: path.join(out, 'data-test'),
  images: testImages,
  size,
  seed: 2,
  split: 'test',
});
log(
  `data: ${trainImages} training pairs, ${testImages} test pairs, ${trainSet.classes.length} classes`,
);

const runs = [];
for (const decoder of decoders) {
  for (const strategy of strategies) {
    log(`== ${decoder} ${strategy}`);
    const t0 = performance.now();
    const result = await trainSegmenter(
      resolveSegmentConfig({
        data: trainSet.dir,
        testData: testSet.dir,
        val: 0.1,
        backbone: 'mobilenet_v2',
        decoder,
        strategy,
        imageSize: size,
        epochs,
        batch,
        lr,
        diceWeight,
        evalEvery: Math.max(1, Math.floor(epochs / 4)),
        out: path.join(out, `${decoder}-${strategy}`),
        seed: 0,
      }),
      { log, callbacks: [{ onEpochEnd: (r) => void log(JSON.stringify(r)) }] },
    );
    const m = result.metrics;
    runs.push({
      decoder,
      strategy,
      seconds: (performance.now() - t0) / 1000,
      bundle: result.bundleDir,
      report: result.reportFile,
      metrics: {
        meanIoU: m.meanIoU,
        pixelAccuracy: m.pixelAccuracy,
        meanClassAccuracy: m.meanClassAccuracy,
        meanDice: m.dice.mean,
        frequencyWeightedIoU: m.frequencyWeightedIoU,
      },
      iouPerClass: Object.fromEntries(result.classes.map((c, i) => [c, m.perClassIoU[i]])),
    });
    log(
      `${decoder} ${strategy}: mIoU ${m.meanIoU.toFixed(3)}  pixel acc ${m.pixelAccuracy.toFixed(3)}`,
    );
  }
}

console.log(
  JSON.stringify(
    {
      benchmark: 'segment',
      date: new Date().toISOString(),
      machine: { ...machineInfo(), backend: engine.backend },
      data: {
        train: {
          images: trainImages,
          split: 'train',
          seed: 1,
          pixelShares: shares(trainSet.pixelCounts),
        },
        test: {
          images: testImages,
          split: 'test',
          seed: 2,
          pixelShares: shares(testSet.pixelCounts),
        },
        size,
        classes: trainSet.classes,
      },
      setup: {
        backbone: 'mobilenet_v2',
        epochs,
        batch,
        lr,
        loss: `cross-entropy + ${diceWeight} × Dice`,
        heldOutForValidation: 0.1,
      },
      runs,
      seconds: (performance.now() - started) / 1000,
    },
    null,
    2,
  ),
);

function shares(counts: ArrayLike<number>): number[] {
  const total = Array.from(counts).reduce((a, b) => a + b, 0);
  return Array.from(counts, (n) => Number((n / total).toFixed(4)));
}
