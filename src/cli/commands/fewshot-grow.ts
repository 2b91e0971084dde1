// `visiontune fewshot fit` / `fewshot add`: a prototype classifier from a few labelled images per
// class, saved as an ordinary classification bundle, and grown later with new classes without
// touching the old ones. Registered on the `fewshot` group by fewshot.ts.
import { type Command, Option } from 'commander';
import { openSource, type VerifyLevel } from '../../data/index.js';
import {
  addClasses,
  FEWSHOT_METRICS,
  type FewShotMetric,
  type FewShotResult,
  fitFewShotClassifier,
} from '../../methods/fewshot/classifier/index.js';
import { addCommonFlags, type CommonFlags, parseInteger, parseNumber, setUp } from '../common.js';
import type { Output, Progress } from '../output.js';

interface SupportFlags extends CommonFlags {
  support: string;
  shots?: number;
  batchSize: number;
  skipBad?: boolean;
  verify: VerifyLevel;
}

interface FitFlags extends SupportFlags {
  backbone: string;
  out: string;
  metric: FewShotMetric;
  finetuneSteps: number;
  finetuneLr?: number;
  imageSize?: number;
  layer?: string;
  cut?: string;
}

interface AddFlags extends SupportFlags {
  model: string;
  out?: string;
}

/** Flags about reading the support images, shared by fit and add. */
function supportFlags(command: Command): Command {
  return command
    .option(
      '--shots <k>',
      'use at most K images per class (seeded pick; default all)',
      parseInteger('--shots', 1),
    )
    .option('--batch-size <n>', 'images per batch', parseInteger('--batch-size', 1), 32)
    .option('--skip-bad', 'skip bad images (counted and named) instead of failing')
    .addOption(
      new Option('--verify <level>', 'check images before starting: header (fast) or full decode')
        .choices(['none', 'header', 'full'])
        .default('header'),
    );
}

function openSupport(flags: SupportFlags) {
  return openSource(flags.support, { skipBad: flags.skipBad, verify: flags.verify });
}

function report(out: Output, result: FewShotResult, verb: string): void {
  const { meta } = result;
  if (result.skipped) out.info(`skipped ${result.skipped} bad support image(s)`);
  out.result(
    {
      bundle: result.bundleDir,
      metric: meta.fewshot?.metric,
      labels: meta.labels,
      added: result.added,
      classes: meta.fewshot?.classes,
      skipped: result.skipped,
      ...(result.finetuneLosses ? { finetuneLosses: result.finetuneLosses } : {}),
    },
    () =>
      [
        `${verb} ${result.added.length} class(es) (${meta.fewshot?.metric} prototypes): ${result.added
          .map((a) => `${a.label} (${a.shots})`)
          .join(', ')}`,
        `bundle: ${result.bundleDir} (${meta.labels.length} classes)`,
      ].join('\n'),
  );
}

const SUPPORT_FORMS = 'a folder <class>/<images>, a .csv/.jsonl manifest, or a built-in dataset';

export function registerFewShotGrow(group: Command): void {
  const fit = group
    .command('fit')
    .description(
      'build a classifier from a few labelled images per class: class prototypes on a frozen backbone',
    )
    .requiredOption(
      '--backbone <name>',
      'registry name, path/URL of a TF.js layers model.json, or a bundle folder that outputs an embedding',
    )
    .requiredOption('--support <dir>', `labelled support images: ${SUPPORT_FORMS}`)
    .requiredOption('--out <dir>', 'bundle folder to write')
    .addOption(
      new Option('--metric <name>', 'prototype metric')
        .choices([...FEWSHOT_METRICS])
        .default('cosine'),
    )
    .option(
      '--finetune-steps <n>',
      'fine-tune the prototypes on the support features for N full-batch Adam steps (default 0; classes added later are plain prototypes and compete best with plain ones, see bench/fewshot/grow.ts)',
      parseInteger('--finetune-steps', 0),
      0,
    )
    .option(
      '--finetune-lr <x>',
      'head fine-tune learning rate (default 0.01)',
      parseNumber('--finetune-lr'),
    )
    .option(
      '--image-size <px>',
      'square input size (default: the backbone native size)',
      parseInteger('--image-size', 1),
    )
    .option('--layer <name>', 'backbone layer to pool (default: the backbone embedding layer)')
    .option('--cut <layer>', 'with a model path: the layer to cut the body at');
  addCommonFlags(supportFlags(fit)).action(async (flags: FitFlags) => {
    const { out } = await setUp(flags);
    const support = await openSupport(flags);
    let bar: Progress | undefined;
    const result = await fitFewShotClassifier({
      backbone: flags.backbone,
      support,
      metric: flags.metric,
      shots: flags.shots,
      finetuneSteps: flags.finetuneSteps,
      finetuneLr: flags.finetuneLr,
      imageSize: flags.imageSize,
      layer: flags.layer,
      cut: flags.cut,
      seed: flags.seed,
      batchSize: flags.batchSize,
      out: flags.out,
      log: (line) => out.info(line),
      onStart: (n) => {
        bar = out.progress('embed support', n);
      },
      onBatch: (n) => bar?.tick(n),
    });
    bar?.stop();
    report(out, result, 'fitted');
  });

  const add = group
    .command('add')
    .description('add classes to a few-shot bundle; old classes keep exactly the same scores')
    .requiredOption('--model <dir>', "bundle made by 'fewshot fit'")
    .requiredOption('--support <dir>', `support images of the new classes only: ${SUPPORT_FORMS}`)
    .option('--out <dir>', 'write the grown bundle here (default: replace --model atomically)');
  addCommonFlags(supportFlags(add)).action(async (flags: AddFlags) => {
    const { out } = await setUp(flags);
    const support = await openSupport(flags);
    let bar: Progress | undefined;
    const result = await addClasses({
      bundle: flags.model,
      support,
      shots: flags.shots,
      seed: flags.seed,
      batchSize: flags.batchSize,
      out: flags.out,
      onStart: (n) => {
        bar = out.progress('embed support', n);
      },
      onBatch: (n) => bar?.tick(n),
    });
    bar?.stop();
    report(out, result, 'added');
  });
}
