// The run configuration of `visiontune multitask train` / `trainMultiTask(config)`: the tasks, how
// their losses are weighted and their images sampled, and the backbone, optimisation and
// augmentation fields the dense tasks share (dense-config.ts), each declared once. Merged like the
// other runs: defaults < config file < flags.
import { z } from 'zod';
import { opt } from '../../config/options.js';
import { outFields, resumeField, seedField, skipBadField } from '../../config/run-fields.js';
import { samplingFields } from '../../data/multitask/config.js';
import { configError } from '../../errors.js';
import { type ConfigLayer, parseLayers } from '../../util/merge-layers.js';
import { trainingFields } from '../dense-config.js';
import { checkDenseConfig } from '../dense-training.js';
import { taskEntrySchema } from './task-spec.js';
import { WEIGHTING_KINDS } from './weighting/index.js';

export const multiTaskConfigSchema = z
  .object({
    tasks: opt(
      z.array(taskEntrySchema).min(1).max(16),
      'a task: name:kind:data[:key=value,...] (kind: classification, multilabel, detection, segmentation); once per task',
      { arg: 'spec', repeatable: true, flag: 'task' },
    ),
    ...trainingFields({
      help: {
        data: '',
        valData: '',
        testData: '',
        head: 'task heads',
        metric: 'metrics',
        skipBad: 'bad images and labels',
      },
      defaults: {
        imageSize: 224,
        epochs: 10,
        batch: 16,
        // The pretrained statistics stay, as detection's default: batch statistics of small
        // mixed batches stalled an FCOS head (bench/multitask set at 64 px, batch 8: validation
        // AP 0.002 after 2 epochs with BatchNorm training, 0.016 frozen, as `detect train`).
        freezeBn: true,
        // With BatchNorm frozen, the backbone at the heads' lr collapsed pooled features (a
        // multi-label head's validation mAP stuck at the base rate, 0.115, over 10 epochs); at
        // 0.1× it learned (0.18 → 0.20 in 3 epochs) and FCOS still did (AP 0.025 after 4).
        backboneLrMult: 0.1,
        scale: [0.6, 1.4],
        evalEvery: 1,
        out: 'runs/multitask',
      },
    }),
    /** How the task losses are combined. */
    weighting: opt(
      z.enum(WEIGHTING_KINDS).default('equal'),
      'task loss weighting: equal, uncertainty (Kendall 2018) or dwa (Liu 2019)',
      { arg: 'kind' },
    ),
    /** Gradient surgery on the shared weights (Yu et al. 2020), on top of the weighting. */
    pcgrad: opt(z.boolean().default(false), 'PCGrad: project conflicting task gradients'),
    ...samplingFields,
    /** Validation metrics after every this many epochs and at the last (0: never). */
    evalEvery: opt(
      z.number().int().nonnegative().default(1),
      'validation metrics every N epochs and at the last, 0 = never',
      { arg: 'epochs' },
    ),
    ...outFields('runs/multitask'),
    resume: resumeField,
    seed: seedField,
    skipBad: opt(skipBadField, 'leave out bad images and labels (counted) instead of failing'),
  })
  .strict();

export type MultiTaskConfig = z.infer<typeof multiTaskConfigSchema>;
export type MultiTaskConfigInput = z.input<typeof multiTaskConfigSchema>;

const WHAT = 'multi-task training';

export function resolveMultiTaskConfig(...layers: ConfigLayer[]): MultiTaskConfig {
  const config = parseLayers(multiTaskConfigSchema, WHAT, layers);
  checkDenseConfig(config, WHAT);
  const names = config.tasks.map((t) => t.name);
  const repeated = names.find((n, i) => names.indexOf(n) !== i);
  if (repeated) throw configError(WHAT, 'tasks', `two tasks are named '${repeated}'`);
  return config;
}
