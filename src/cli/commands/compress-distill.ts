// `visiontune compress distill`: train a small student from a teacher bundle (Hinton et al.'s
// soft targets, optional unlabelled images and a FitNets hint); the student is an ordinary bundle.
import type { Command } from 'commander';
import { resolveDistillConfig } from '../../methods/compress/distill/config.js';
import { distill } from '../../methods/compress/distill/distill.js';
import { formatMetrics } from '../../metrics/index.js';
import {
  addCommonFlags,
  type CommonFlags,
  parseInteger,
  parseNumber,
  readConfigFile,
  setUp,
} from '../common.js';
import {
  addFineTuneFlags,
  epochLine,
  type FineTuneFlags,
  fineTuneLayer,
  percent,
} from './compress-flags.js';

interface DistillFlags extends CommonFlags, FineTuneFlags {
  teacher?: string;
  student?: string;
  scratch?: boolean;
  imageSize?: number;
  temperature?: number;
  alpha?: number;
  unlabeled?: string;
  unlabeledLimit?: number;
  unlabeledBatch?: number;
  hintTeacher?: string;
  hintStudent?: string;
  hintWeight?: number;
}

export function distillSubcommand(compress: Command): void {
  const command = compress
    .command('distill')
    .description('train a small student network from a teacher bundle (knowledge distillation)')
    .option('--teacher <bundle>', 'teacher: a classification bundle folder')
    .option(
      '--student <arch>',
      'student architecture: registry name or TF.js model path (default mobilenet_v2_035)',
    )
    .option('--scratch', 'start the student from random weights even when it has pretrained ones')
    .option(
      '--image-size <px>',
      "student input size (default the teacher's)",
      parseInteger('--image-size', 1),
    )
    .option(
      '--temperature <T>',
      'softmax temperature of the distillation term (default 4)',
      parseNumber('--temperature'),
    )
    .option(
      '--alpha <a>',
      'weight of the distillation term; 1 - a goes to the labels (default 0.9; 0 = labels only)',
      parseNumber('--alpha'),
    )
    .option(
      '--unlabeled <source>',
      'unlabelled images for the distillation term (the --data source itself: its unused training images)',
    )
    .option(
      '--unlabeled-limit <n>',
      'use at most N unlabelled images',
      parseInteger('--unlabeled-limit', 1),
    )
    .option(
      '--unlabeled-batch <n>',
      'unlabelled images per step (default --batch)',
      parseInteger('--unlabeled-batch', 1),
    )
    .option('--hint-teacher <layer>', 'FitNets hint: teacher layer to regress')
    .option('--hint-student <layer>', 'FitNets hint: student layer that regresses it (1x1 adapter)')
    .option(
      '--hint-weight <b>',
      'weight of the hint loss (default 1)',
      parseNumber('--hint-weight'),
    );
  addCommonFlags(addFineTuneFlags(command, { lr: '3e-3', epochs: 10, out: 'runs/distill' })).action(
    async (flags: DistillFlags) => {
      const { out } = await setUp(flags);
      const fromFile = flags.config ? await readConfigFile(flags.config) : {};
      const config = resolveDistillConfig(fromFile, {
        ...fineTuneLayer(flags),
        teacher: flags.teacher,
        student: flags.student,
        pretrained: flags.scratch ? false : undefined,
        imageSize: flags.imageSize,
        temperature: flags.temperature,
        alpha: flags.alpha,
        unlabeled: flags.unlabeled,
        unlabeledLimit: flags.unlabeledLimit,
        unlabeledBatch: flags.unlabeledBatch,
        hintTeacher: flags.hintTeacher,
        hintStudent: flags.hintStudent,
        hintWeight: flags.hintWeight,
      });
      const result = await distill(config, {
        log: (line) => out.info(line),
        callbacks: [epochLine(config.epochs, (line) => out.info(line))],
      });
      out.result(
        {
          bundle: result.bundleDir,
          report: result.reportFile,
          accuracy: result.metrics.accuracy,
          evaluatedOn: result.evaluatedOn,
          teacherParameters: result.teacherParameters,
          studentParameters: result.studentParameters,
          splits: result.splits,
          seconds: result.seconds,
          metrics: result.metrics,
          config: result.config,
        },
        () =>
          [
            `student ${config.student}: ${result.studentParameters} parameters (${((100 * result.studentParameters) / result.teacherParameters).toFixed(1)}% of the teacher's ${result.teacherParameters})`,
            `${result.evaluatedOn} accuracy ${percent(result.metrics.accuracy)}`,
            formatMetrics(result.metrics, result.labels, {
              confusionMaxClasses: 0,
            }),
            `bundle: ${result.bundleDir}`,
            `report: ${result.reportFile}`,
          ].join('\n'),
      );
    },
  );
}
