// `visiontune compress quantize`: store a bundle's weights as uint8 / uint16 / float16 in a new
// bundle (no training), print the sizes before and after and, given labelled data, the
// accuracy of both bundles on the same images. Flags: the library's quantize options, the
// folders, and how to read the labelled images.
import type { Command } from 'commander';
import { z } from 'zod';
import { opt } from '../../config/options.js';
import {
  batchSizeField,
  scoreSplitField,
  skipBadField,
  verifyField,
} from '../../config/run-fields.js';
import { openSource, pickSplit, resolveSplit } from '../../data/index.js';
import { formatMegabytes } from '../../methods/compress/compare-format.js';
import {
  type AccuracyChange,
  compareAccuracy,
  type QuantizeReport,
  quantizeBundle,
  quantizeOptionsSchema,
} from '../../methods/compress/quantize/index.js';
import { defineCommand } from '../define-command.js';

const quantizeCommandSchema = z.object({
  model: opt(z.string().min(1), 'the bundle (or run folder) to quantize', { arg: 'bundle' }),
  ...quantizeOptionsSchema.shape,
  out: opt(z.string().min(1), 'folder for the quantized bundle (not the --model folder)', {
    arg: 'dir',
  }),
  data: opt(
    z.string().optional(),
    'labelled images to compare accuracy before and after: folder, manifest, or mnist / fashion-mnist',
    { arg: 'source' },
  ),
  split: scoreSplitField,
  batchSize: batchSizeField(32),
  skipBad: skipBadField,
  verify: verifyField,
});

const percent = (v: number) => `${(v * 100).toFixed(1)}%`;

function summary(report: QuantizeReport, accuracy?: AccuracyChange & { split: string }): string {
  const ratio = (a: number, b: number) => `${(b / a).toFixed(3)}x`;
  const lines = [
    `quantized ${report.tensors.quantized} tensors to ${report.dtype}` +
      ` (${report.scope}), kept ${report.tensors.kept} as they were`,
    `weights  ${formatMegabytes(report.weightBytes.before)} -> ${formatMegabytes(report.weightBytes.after)}` +
      `  (${ratio(report.weightBytes.before, report.weightBytes.after)})`,
    `bundle   ${formatMegabytes(report.bundleBytes.before)} -> ${formatMegabytes(report.bundleBytes.after)}` +
      `  (${ratio(report.bundleBytes.before, report.bundleBytes.after)})`,
    `max |weight error| ${report.maxAbsError.max.toExponential(2)}` +
      ` (mean over tensors ${report.maxAbsError.mean.toExponential(2)})`,
  ];
  if (accuracy) {
    const sign = accuracy.difference >= 0 ? '+' : '';
    lines.push(
      `${accuracy.split} accuracy (${accuracy.samples} images): ${percent(accuracy.before)} -> ` +
        `${percent(accuracy.after)} (${sign}${(accuracy.difference * 100).toFixed(1)} points)`,
    );
  }
  lines.push(`bundle: ${report.out}`);
  return lines.join('\n');
}

export function quantizeSubcommand(compress: Command): void {
  defineCommand(compress, {
    name: 'quantize',
    description: 'store a bundle’s weights as uint8, uint16 or float16 (no training)',
    options: quantizeCommandSchema,
    what: 'quantization',
    flags: {
      split: { description: 'with --data: split to evaluate (default: test, else val, else all)' },
    },
    async run(config, { out }) {
      const report = await quantizeBundle(config.model, config.out, config);
      let accuracy: (AccuracyChange & { split: string }) | undefined;
      if (config.data) {
        const source = await openSource(config.data, {
          skipBad: config.skipBad,
          verify: config.verify,
        });
        const samples = pickSplit(source.splits, config.split);
        const bar = out.progress('eval', samples.length * 2);
        const change = await compareAccuracy(config.model, config.out, source, samples, {
          batchSize: config.batchSize,
          onBatch: (n) => bar.tick(n),
        });
        bar.stop();
        accuracy = { ...change, split: resolveSplit(source.splits, config.split) };
      }
      const { meta, perTensor, ...rest } = report;
      out.result({ bundle: report.out, ...rest, accuracy, perTensor }, () =>
        summary(report, accuracy),
      );
    },
  });
}
