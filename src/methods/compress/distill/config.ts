// The configuration of `visiontune compress distill` / `distill(config)`. Defaults follow the
// papers' practice: T = 4 and most of the weight on the soft targets (Hinton et al. 2015 found a
// much lower weight on the hard-label term worked best).
import { z } from 'zod';
import { badUsage } from '../../../errors.js';
import { parseLayers } from '../../../util/merge-layers.js';
import { fineTuneFields } from '../fine-tune-config.js';
import { softTargetFields } from '../soft-targets.js';

export const distillConfigSchema = z.object({
  ...fineTuneFields,
  /** The teacher: a classification bundle folder. */
  teacher: z.string().min(1),
  /** The student: a registry architecture (or a TF.js layers model path), with a new head. */
  student: z.string().default('mobilenet_v2_035'),
  /** Start the student from its pretrained weights; default: whether it has any. */
  pretrained: z.boolean().optional(),
  /** Student input size; default the teacher's. */
  imageSize: z.number().int().positive().optional(),
  ...softTargetFields,
  /** FitNets hint: teacher layer whose feature map the student regresses. */
  hintTeacher: z.string().optional(),
  /** FitNets hint: student layer that regresses it (through a 1×1 adapter when channels differ). */
  hintStudent: z.string().optional(),
  /** Weight β of the hint loss. */
  hintWeight: z.number().nonnegative().default(1),
  /** Moving-average momentum of the student's BatchNorm layers (PyTorch's 0.1 as Keras 0.9). */
  bnMomentum: z.number().min(0).max(1).default(0.9),
  lr: z.number().positive().default(3e-3),
  out: z.string().default('runs/distill'),
});

export type DistillConfig = z.infer<typeof distillConfigSchema>;
export type DistillConfigInput = z.input<typeof distillConfigSchema>;

export function resolveDistillConfig(
  ...layers: (Record<string, unknown> | undefined)[]
): DistillConfig {
  const config = parseLayers(distillConfigSchema, 'distillation', layers);
  if ((config.hintTeacher === undefined) !== (config.hintStudent === undefined)) {
    throw badUsage(
      'invalid distillation configuration: a hint needs both hintTeacher and hintStudent',
    );
  }
  if (config.alpha === 0 && config.unlabeled !== undefined) {
    throw badUsage(
      'invalid distillation configuration: unlabeled images only feed the distillation term, which alpha 0 turns off',
    );
  }
  return config;
}
