// The configuration of `visiontune compress prune` / `prune(config)`.
import { z } from 'zod';
import { badUsage } from '../../../errors.js';
import { parseLayers } from '../../../util/merge-layers.js';
import { fineTuneFields } from '../fine-tune-config.js';
import { softTargetFields } from '../soft-targets.js';

export const PRUNE_METHODS = ['magnitude', 'channels'] as const;

export const pruneConfigSchema = z.object({
  ...fineTuneFields,
  /** The classification bundle to prune. */
  model: z.string().min(1),
  /**
   * magnitude: unstructured, zeroes the smallest kernel weights gradually while fine-tuning (the
   * bundle stays the same size on disk; the zeros compress). channels: structured, removes whole
   * channels and rewrites the network smaller, then fine-tunes.
   */
  method: z.enum(PRUNE_METHODS).default('channels'),
  /** Fraction removed: of kernel weights (magnitude) or of each prunable channel group (channels). */
  amount: z.number().gt(0).lt(1).default(0.5),
  /**
   * channels: importance for groups no layer reads with measured statistics (the default scores
   * channels on calibration images): L1 norm of the filters or |γ| of their BatchNorm.
   */
  importance: z.enum(['l1', 'bn-gamma']).default('l1'),
  /** channels: remove the channels in this many steps, each measured on calibration images. */
  steps: z.number().int().positive().default(5),
  /** channels: round kept channel counts up to a multiple of this (SIMD-friendly widths). */
  multipleOf: z.number().int().positive().default(1),
  /** magnitude: one threshold over every kernel (global) or the same share per layer. */
  scope: z.enum(['global', 'layer']).default('global'),
  /**
   * Fine-tune against the unpruned model's soft targets (Hinton et al. 2015) as well as the
   * labels: the original teaches its pruned copy, on unlabelled images too when given.
   */
  distill: z.boolean().default(false),
  ...softTargetFields,
  /** Keep BatchNorm in inference mode with its stored statistics while fine-tuning (as `train`). */
  freezeBn: z.boolean().default(true),
  lr: z.number().positive().default(3e-4),
  epochs: z.number().int().positive().default(5),
  out: z.string().default('runs/prune'),
});

export type PruneConfig = z.infer<typeof pruneConfigSchema>;
export type PruneConfigInput = z.input<typeof pruneConfigSchema>;

export function resolvePruneConfig(
  ...layers: (Record<string, unknown> | undefined)[]
): PruneConfig {
  const config = parseLayers(pruneConfigSchema, 'pruning', layers);
  if (config.unlabeled !== undefined && !config.distill) {
    throw badUsage(
      'invalid pruning configuration: unlabeled images feed the distillation term; set distill',
    );
  }
  return config;
}
