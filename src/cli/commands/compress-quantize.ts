// `visiontune compress quantize`: store a bundle's weights as uint8 / uint16 / float16 in a new
// bundle (no training), print the sizes before and after and, given labelled data, the
// accuracy of both bundles on the same images.
import { type Command, Option } from 'commander';
import { openSource, pickSplit, resolveSplit, type VerifyLevel } from '../../data/index.js';
import type { SplitName } from '../../data/types.js';
import { formatMegabytes } from '../../methods/compress/compare-format.js';
import {
  type AccuracyChange,
  compareAccuracy,
  DEFAULT_QUANTIZE_SCOPE,
  DEFAULT_ROUNDING,
  QUANTIZE_DTYPES,
  QUANTIZE_SCOPES,
  type QuantizeDtype,
  type QuantizeReport,
  type QuantizeScope,
  quantizeBundle,
  ROUNDINGS,
  type Rounding,
} from '../../methods/compress/quantize/index.js';
import { addCommonFlags, type CommonFlags, parseInteger, setUp } from '../common.js';

interface QuantizeFlags extends CommonFlags {
  model: string;
  dtype: QuantizeDtype;
  out: string;
  scope: QuantizeScope;
  rounding: Rounding;
  data?: string;
  split?: SplitName | 'all';
  batchSize: number;
  skipBad?: boolean;
  verify: VerifyLevel;
}

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
  const command = compress
    .command('quantize')
    .description('store a bundle’s weights as uint8, uint16 or float16 (no training)')
    .requiredOption('--model <bundle>', 'the bundle to quantize')
    .addOption(
      new Option('--dtype <type>', 'storage type of the quantized weights')
        .choices([...QUANTIZE_DTYPES])
        .makeOptionMandatory(),
    )
    .requiredOption('--out <dir>', 'folder for the quantized bundle (not the --model folder)')
    .addOption(
      new Option(
        '--scope <which>',
        'kernels: rank ≥ 2 weights only, biases and BatchNorm stay float32; all: every float tensor',
      )
        .choices([...QUANTIZE_SCOPES])
        .default(DEFAULT_QUANTIZE_SCOPE),
    )
    .addOption(
      new Option(
        '--rounding <how>',
        'uint8/uint16: stochastic (seeded; keeps sub-step fine-tuning on average) or nearest',
      )
        .choices([...ROUNDINGS])
        .default(DEFAULT_ROUNDING),
    )
    .option(
      '--data <source>',
      'labelled images to compare accuracy before and after: folder, manifest, or mnist / fashion-mnist',
    )
    .addOption(
      new Option(
        '--split <name>',
        'with --data: split to evaluate (default: test, else val, else all)',
      ).choices(['all', 'train', 'val', 'test']),
    )
    .option('--batch-size <n>', 'images per batch', parseInteger('--batch-size', 1), 32)
    .option('--skip-bad', 'skip bad images (counted and named) instead of failing')
    .addOption(
      new Option('--verify <level>', 'check images before starting')
        .choices(['none', 'header', 'full'])
        .default('header'),
    );
  addCommonFlags(command).action(async (flags: QuantizeFlags) => {
    const { out } = await setUp(flags);
    const report = await quantizeBundle(flags.model, flags.out, {
      dtype: flags.dtype,
      scope: flags.scope,
      rounding: flags.rounding,
      seed: flags.seed,
    });
    let accuracy: (AccuracyChange & { split: string }) | undefined;
    if (flags.data) {
      const source = await openSource(flags.data, { skipBad: flags.skipBad, verify: flags.verify });
      const samples = pickSplit(source.splits, flags.split);
      const bar = out.progress('eval', samples.length * 2);
      const change = await compareAccuracy(flags.model, flags.out, source, samples, {
        batchSize: flags.batchSize,
        onBatch: (n) => bar.tick(n),
      });
      bar.stop();
      accuracy = { ...change, split: resolveSplit(source.splits, flags.split) };
    }
    const { meta, perTensor, ...rest } = report;
    out.result({ bundle: report.out, ...rest, accuracy, perTensor }, () =>
      summary(report, accuracy),
    );
  });
}
