// `visiontune compare BUNDLE...`: bundles side by side — parameters, sparsity, size on disk,
// storage dtype, throughput on this backend, accuracy on one shared set of labelled images —
// printed as a table (or JSON) and written as compare.html with the trade-off charts.
import { type Command, Option } from 'commander';
import { openSource, type VerifyLevel } from '../../data/index.js';
import type { SplitName } from '../../data/types.js';
import {
  checkBundles,
  compareBundles,
  limitPerClass,
  pickSplit,
  resolveSplit,
} from '../../methods/compress/compare.js';
import { formatCompareTable } from '../../methods/compress/compare-format.js';
import { type CompareReport, writeCompareReport } from '../../report/compare.js';
import { addCommonFlags, type CommonFlags, parseInteger, setUp } from '../common.js';

interface CompareFlags extends CommonFlags {
  data: string;
  split?: SplitName | 'all';
  batchSize: number;
  runs: number;
  warmup: number;
  limit?: number;
  out: string;
  skipBad?: boolean;
  verify: VerifyLevel;
}

export function compareCommand(program: Command): void {
  addCommonFlags(
    program
      .command('compare')
      .description(
        'compare classification bundles: size, sparsity, storage dtype, throughput and accuracy',
      )
      .argument('<bundles...>', 'bundle folders to compare (same label set)')
      .requiredOption(
        '--data <source>',
        'labelled images: folder, .csv/.jsonl manifest, or mnist / fashion-mnist',
      )
      .addOption(
        new Option(
          '--split <name>',
          'split to score on (default: test, else val, else all)',
        ).choices(['all', 'train', 'val', 'test']),
      )
      .option(
        '--batch-size <n>',
        'images per batch, for throughput and evaluation',
        parseInteger('--batch-size', 1),
        32,
      )
      .option('--runs <n>', 'timed throughput runs (median reported)', parseInteger('--runs', 1), 7)
      .option('--warmup <n>', 'untimed runs before timing', parseInteger('--warmup', 0), 2)
      .option(
        '--limit <n>',
        'at most n images per class, chosen with --seed (the same for every bundle)',
        parseInteger('--limit', 1),
      )
      .option('--out <dir>', 'folder for compare.html', 'runs/compare')
      .option('--skip-bad', 'skip bad images (counted and named) instead of failing')
      .addOption(
        new Option('--verify <level>', 'check images before starting')
          .choices(['none', 'header', 'full'])
          .default('header'),
      ),
  ).action(async (dirs: string[], flags: CompareFlags) => {
    const { out, engine } = await setUp(flags);
    // Bundle problems (missing, not a classifier, other labels) before the data is read.
    await checkBundles(dirs);
    const source = await openSource(flags.data, { skipBad: flags.skipBad, verify: flags.verify });
    const split = resolveSplit(source.splits, flags.split);
    const all = pickSplit(source.splits, split);
    const samples = flags.limit === undefined ? all : limitPerClass(all, flags.limit, flags.seed);
    const bar = out.progress('compare', samples.length * dirs.length);
    const rows = await compareBundles(dirs, source, samples, {
      batch: flags.batchSize,
      runs: flags.runs,
      warmup: flags.warmup,
      onBatch: (n) => bar.tick(n),
    });
    bar.stop();
    const report: CompareReport = {
      title: `Compare ${rows.length} bundles`,
      createdAt: new Date().toISOString(),
      data: {
        source: source.name,
        split,
        images: samples.length,
        ...(flags.limit === undefined ? {} : { limitPerClass: flags.limit, seed: flags.seed }),
      },
      measurement: {
        backend: engine.backend,
        threads: engine.threads,
        batch: flags.batchSize,
        runs: flags.runs,
        warmup: flags.warmup,
      },
      rows,
      config: { bundles: dirs, ...flags },
    };
    const file = await writeCompareReport(flags.out, report);
    out.result({ ...report, report: file }, () =>
      [
        formatCompareTable(rows),
        '',
        `img/s: ${engine.backend}, ${engine.threads} thread(s), batch ${flags.batchSize}, median of ${flags.runs} runs after ${flags.warmup} warm-up`,
        `accuracy: ${samples.length} images of ${source.name} (${split}); magnitude-pruned bundles are stored dense`,
        `report: ${file}`,
      ].join('\n'),
    );
  });
}
