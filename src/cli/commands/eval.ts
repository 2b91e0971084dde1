// `visiontune eval`: a bundle's metrics on labelled data (accuracy, top-k, balanced accuracy,
// per-class precision/recall/F1, confusion matrix, calibration).
import { type Command, Option } from 'commander';
import { openBundle } from '../../bundle/batch-model.js';
import { evaluateBundle } from '../../bundle/evaluate.js';
import { openSource, pickSplit, type VerifyLevel } from '../../data/index.js';
import type { SplitName } from '../../data/types.js';
import { formatMetrics } from '../../metrics/index.js';
import { addCommonFlags, addEngineFlag, type CommonFlags, parseInteger, setUp } from '../common.js';

interface EvalFlags extends CommonFlags {
  engine: string;
  model: string;
  data: string;
  split?: SplitName | 'all';
  batchSize: number;
  skipBad?: boolean;
  verify: VerifyLevel;
}

export function evalCommand(program: Command): void {
  addEngineFlag(
    addCommonFlags(
      program
        .command('eval')
        .description('evaluate a classification bundle on labelled images')
        .requiredOption('--model <dir>', 'model bundle folder')
        .requiredOption(
          '--data <source>',
          'image folder, .csv/.jsonl manifest, or mnist / fashion-mnist',
        )
        .addOption(
          new Option(
            '--split <name>',
            'split to evaluate (default: test, else val, else all)',
          ).choices(['all', 'train', 'val', 'test']),
        )
        .option('--batch-size <n>', 'images per batch', parseInteger('--batch-size', 1), 32)
        .option('--skip-bad', 'skip bad images (counted and named) instead of failing')
        .addOption(
          new Option('--verify <level>', 'check images before starting')
            .choices(['none', 'header', 'full'])
            .default('header'),
        ),
    ),
  ).action(async (flags: EvalFlags) => {
    const { out } = await setUp(flags);
    const bundle = await openBundle(flags.model, flags);
    const source = await openSource(flags.data, { skipBad: flags.skipBad, verify: flags.verify });
    const samples = pickSplit(source.splits, flags.split);
    const bar = out.progress('eval', samples.length);
    const metrics = await evaluateBundle(bundle, source, samples, {
      batchSize: flags.batchSize,
      onBatch: (n) => bar.tick(n),
    });
    bar.stop();
    out.result(
      { model: flags.model, data: source.name, labels: bundle.meta.labels, ...metrics },
      () => formatMetrics(metrics, bundle.meta.labels),
    );
  });
}
