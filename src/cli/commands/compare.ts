// `visiontune compare BUNDLE...`: bundles side by side — parameters, sparsity, size on disk,
// storage dtype, throughput on this backend, accuracy on one shared set of labelled images —
// printed as a table (or JSON) and written as compare.html with the trade-off charts.
import type { Command } from 'commander';
import { z } from 'zod';
import { opt } from '../../config/options.js';
import {
  batchSizeField,
  outFields,
  scoreSplitField,
  seedField,
  skipBadField,
  verifyField,
} from '../../config/run-fields.js';
import { openSource } from '../../data/index.js';
import { withOutDir } from '../../guard/out-dir.js';
import {
  checkBundles,
  compareBundles,
  limitPerClass,
  pickSplit,
  resolveSplit,
} from '../../methods/compress/compare.js';
import { formatCompareTable } from '../../methods/compress/compare-format.js';
import { type CompareReport, writeCompareReport } from '../../report/compare.js';
import { defineCommand } from '../define-command.js';

const compareOptionsSchema = z.object({
  data: opt(
    z.string().min(1),
    'labelled images: folder, .csv/.jsonl manifest, or mnist / fashion-mnist',
    { arg: 'source' },
  ),
  split: scoreSplitField,
  batchSize: batchSizeField(32),
  runs: opt(z.number().int().positive().default(7), 'timed throughput runs (median reported)'),
  warmup: opt(z.number().int().nonnegative().default(2), 'untimed runs before timing'),
  limit: opt(
    z.number().int().positive().optional(),
    'at most n images per class, chosen with --seed (the same for every bundle)',
  ),
  ...outFields('runs/compare'),
  seed: seedField,
  skipBad: skipBadField,
  verify: verifyField,
});

export function compareCommand(program: Command): void {
  defineCommand(program, {
    name: 'compare',
    description:
      'compare classification bundles: size, sparsity, storage dtype, throughput and accuracy',
    args: [['<bundles...>', 'bundle (or run) folders to compare (same label set)']],
    options: compareOptionsSchema,
    what: 'compare',
    flags: {
      batchSize: { description: 'images per batch, for throughput and evaluation' },
      out: { description: 'folder for compare.html' },
    },
    async run(config, { out, engine, args }) {
      await withOutDir(
        config.out,
        { kind: 'comparison', overwrite: config.overwrite },
        async () => {
          const dirs = args[0] as string[];
          // Bundle problems (missing, not a classifier, other labels) before the data is read.
          await checkBundles(dirs);
          const source = await openSource(config.data, {
            skipBad: config.skipBad,
            verify: config.verify,
          });
          const split = resolveSplit(source.splits, config.split);
          const all = pickSplit(source.splits, split);
          const samples =
            config.limit === undefined ? all : limitPerClass(all, config.limit, config.seed);
          const bar = out.progress('compare', samples.length * dirs.length);
          const rows = await compareBundles(dirs, source, samples, {
            batch: config.batchSize,
            runs: config.runs,
            warmup: config.warmup,
            onBatch: (n) => bar.tick(n),
          });
          bar.stop();
          const measured = engine!;
          const report: CompareReport = {
            title: `Compare ${rows.length} bundles`,
            createdAt: new Date().toISOString(),
            data: {
              source: source.name,
              split,
              images: samples.length,
              ...(config.limit === undefined
                ? {}
                : { limitPerClass: config.limit, seed: config.seed }),
            },
            measurement: {
              backend: measured.backend,
              threads: measured.threads,
              batch: config.batchSize,
              runs: config.runs,
              warmup: config.warmup,
            },
            rows,
            config: { bundles: dirs, ...config },
          };
          const file = await writeCompareReport(config.out, report);
          out.result({ ...report, report: file }, () =>
            [
              formatCompareTable(rows),
              '',
              `img/s: ${measured.backend}, ${measured.threads} thread(s), batch ${config.batchSize}, median of ${config.runs} runs after ${config.warmup} warm-up`,
              `accuracy: ${samples.length} images of ${source.name} (${split}); magnitude-pruned bundles are stored dense`,
              `report: ${file}`,
            ].join('\n'),
          );
        },
      );
    },
  });
}
