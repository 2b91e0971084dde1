// Growing a few-shot classifier on Fashion-MNIST: fit prototypes on K images per class of the
// old classes, score held-out test images of those classes, add the new classes, score the SAME
// images over all classes; per metric and seed, with what the difference is made of (see
// src/methods/fewshot/classifier/measure.ts). Prints JSON.
// Usage: node --import tsx bench/fewshot/grow.ts [--backbone mobilenet_v2] [--image-size 64]
//        [--layer block_12_add] [--shots 5] [--test-per-class 100] [--metrics cosine,euclidean]
//        [--seeds 0,1,2] [--old 0,1,2,3,4,6] [--new 5,7,8,9] [--leave-out ''] [--finetune-steps 0]
// The default grows a clothing classifier (the six garment classes) by a new kind of product
// (footwear and bags). `--old 0,1,2,3,4 --new 5,6,7,8,9 --leave-out 6` adds Shirt, a
// near-duplicate of three old classes, and also scores without it.
import { FASHION_MNIST_CLASSES, openSource } from '../../src/data/index.js';
import { initEngine } from '../../src/engine/index.js';
import type { FewShotMetric } from '../../src/methods/fewshot/classifier/index.js';
import { measureGrowth } from '../../src/methods/fewshot/classifier/measure.js';
import { machineInfo } from '../machine.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}
const list = (name: string, fallback: string) => arg(name, fallback).split(',').filter(Boolean);
const classes = (name: string, fallback: string) =>
  list(name, fallback).map((i) => FASHION_MNIST_CLASSES[Number(i)]!);

const settings = {
  backbone: arg('backbone', 'mobilenet_v2'),
  imageSize: Number(arg('image-size', '64')),
  // These nsfwjs weights transfer best from block_12_add (DESIGN.md); '' chooses it (auto).
  layer: arg('layer', 'block_12_add') || undefined,
  shots: Number(arg('shots', '5')),
  testPerClass: Number(arg('test-per-class', '100')),
  finetuneSteps: Number(arg('finetune-steps', '0')),
  oldClasses: classes('old', '0,1,2,3,4,6'),
  newClasses: classes('new', '5,7,8,9'),
  // Also scored with these new classes' columns masked: Shirt is a near-duplicate of three old
  // classes (T-shirt/top, Pullover, Coat) and takes most of what is lost.
  leaveOut: classes('leave-out', '').filter((c) => classes('new', '5,7,8,9').includes(c)),
};
const metrics = list('metrics', 'cosine,euclidean') as FewShotMetric[];
const seeds = list('seeds', '0,1,2').map(Number);

const engine = await initEngine({});
const source = await openSource('fashion-mnist');
const started = performance.now();
const runs: Record<string, unknown>[] = [];
const round = (x: number, digits = 4) => Number(x.toFixed(digits));
for (const metric of metrics) {
  for (const seed of seeds) {
    const m = await measureGrowth({ source, metric, seed, ...settings });
    runs.push({
      metric,
      seed,
      before: round(m.before),
      after: round(m.after),
      dropPoints: round(m.dropPoints, 2),
      ...(m.afterWithout
        ? {
            without: {
              classes: m.afterWithout.classes,
              after: round(m.afterWithout.accuracy),
              dropPoints: round(m.afterWithout.dropPoints, 2),
            },
          }
        : {}),
      fitAllAtOnce: round(m.fitAllAtOnce),
      growingVsFitAtOncePoints: round((m.after - m.fitAllAtOnce) * 100, 2),
      oldLogitsIdentical: m.oldLogitsIdentical,
      movedToOtherOldClass: m.movedToOtherOldClass,
      takenBy: m.takenBy,
      newClasses: {
        grown: round(m.newClasses.grown),
        fitAllAtOnce: round(m.newClasses.fitAllAtOnce),
      },
      testImages: m.testImages,
    });
    process.stderr.write(
      `${metric} seed ${seed}: ${(m.before * 100).toFixed(1)}% → ${(m.after * 100).toFixed(1)}% (fit at once ${(m.fitAllAtOnce * 100).toFixed(1)}%)\n`,
    );
  }
}
const mean = (metric: string, value: (r: Record<string, unknown>) => number) => {
  const rows = runs.filter((r) => r.metric === metric).map(value);
  return round(rows.reduce((a, v) => a + v, 0) / rows.length);
};
const field = (key: string) => (r: Record<string, unknown>) => r[key] as number;
const withoutField = (key: 'after' | 'dropPoints') => (r: Record<string, unknown>) =>
  (r.without as Record<string, number> | undefined)?.[key] ?? Number.NaN;
console.log(
  JSON.stringify(
    {
      bench: 'fewshot-grow',
      data: 'fashion-mnist',
      ...settings,
      seeds,
      backend: engine.backend,
      machine: machineInfo(),
      seconds: round((performance.now() - started) / 1000, 1),
      summary: Object.fromEntries(
        metrics.map((metric) => [
          metric,
          {
            before: mean(metric, field('before')),
            after: mean(metric, field('after')),
            dropPoints: mean(metric, field('dropPoints')),
            fitAllAtOnce: mean(metric, field('fitAllAtOnce')),
            ...(settings.leaveOut.length > 0
              ? {
                  without: {
                    classes: settings.leaveOut,
                    after: mean(metric, withoutField('after')),
                    dropPoints: mean(metric, withoutField('dropPoints')),
                  },
                }
              : {}),
          },
        ]),
      ),
      runs,
    },
    null,
    2,
  ),
);
