// The configuration of `visiontune compress distill` / `distill(config)`. Defaults follow the
// papers' practice: T = 4 and most of the weight on the soft targets (Hinton et al. 2015 found a
// much lower weight on the hard-label term worked best).
import { z } from 'zod';
import { opt } from '../../../config/options.js';
import { configError } from '../../../errors.js';
import { type ConfigLayer, parseLayers } from '../../../util/merge-layers.js';
import { fineTuneFields } from '../fine-tune-config.js';
import { softTargetFields } from '../soft-targets.js';

export const distillConfigSchema = z.object({
  /** The teacher: a classification bundle folder. */
  teacher: opt(z.string().min(1), 'teacher: a classification bundle or run folder', {
    arg: 'bundle',
  }),
  /** The student: a registry architecture (or a TF.js layers model path), with a new head. */
  student: opt(
    z.string().default('mobilenet_v2_035'),
    'student architecture: registry name or TF.js model path',
    { arg: 'arch' },
  ),
  /** Start the student from its pretrained weights; default: whether it has any. */
  pretrained: opt(
    z.boolean().optional(),
    'start the student from random weights even when it has pretrained ones',
    { flag: 'scratch', sets: false },
  ),
  /** Student input size; default the teacher's. */
  imageSize: opt(
    z.number().int().positive().optional(),
    "student input size (default the teacher's)",
    {
      arg: 'px',
    },
  ),
  ...softTargetFields,
  /** FitNets hint: teacher layer whose feature map the student regresses. */
  hintTeacher: opt(z.string().optional(), 'FitNets hint: teacher layer to regress', {
    arg: 'layer',
  }),
  /** FitNets hint: student layer that regresses it (through a 1×1 adapter when channels differ). */
  hintStudent: opt(
    z.string().optional(),
    'FitNets hint: student layer that regresses it (1x1 adapter)',
    { arg: 'layer' },
  ),
  /** Weight β of the hint loss. */
  hintWeight: opt(z.number().nonnegative().default(1), 'weight of the hint loss', { arg: 'b' }),
  /** Moving-average momentum of the student's BatchNorm layers (PyTorch's 0.1 as Keras 0.9). */
  bnMomentum: opt(
    z.number().min(0).max(1).default(0.9),
    "moving-average momentum of the student's BatchNorms (Keras convention)",
  ),
  ...fineTuneFields({ epochs: 10, lr: 3e-3, out: 'runs/distill' }),
});

export type DistillConfig = z.infer<typeof distillConfigSchema>;
export type DistillConfigInput = z.input<typeof distillConfigSchema>;

export function resolveDistillConfig(...layers: ConfigLayer[]): DistillConfig {
  const config = parseLayers(distillConfigSchema, 'distillation', layers);
  if ((config.hintTeacher === undefined) !== (config.hintStudent === undefined)) {
    throw configError(
      'distillation',
      ['hintTeacher', 'hintStudent'],
      'a hint needs both hintTeacher and hintStudent',
    );
  }
  if (config.alpha === 0 && config.unlabeled !== undefined) {
    throw configError(
      'distillation',
      ['unlabeled', 'alpha'],
      'unlabeled images only feed the distillation term, which alpha 0 turns off',
    );
  }
  return config;
}
