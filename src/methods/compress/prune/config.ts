// The configuration of `visiontune compress prune` / `prune(config)`.
import { z } from 'zod';
import { opt } from '../../../config/options.js';
import { configError } from '../../../errors.js';
import { type ConfigLayer, parseLayers } from '../../../util/merge-layers.js';
import { fineTuneFields } from '../fine-tune-config.js';
import { softTargetFields } from '../soft-targets.js';

export const PRUNE_METHODS = ['magnitude', 'channels'] as const;

export const pruneConfigSchema = z.object({
  /** The classification bundle to prune. */
  model: opt(z.string().min(1), 'the classification bundle (or run folder) to prune', {
    arg: 'bundle',
  }),
  /**
   * magnitude: unstructured, zeroes the smallest kernel weights gradually while fine-tuning (the
   * bundle stays the same size on disk; the zeros compress). channels: structured, removes whole
   * channels and rewrites the network smaller, then fine-tunes.
   */
  method: opt(
    z.enum(PRUNE_METHODS).default('channels'),
    'magnitude (unstructured) or channels (structured)',
    { arg: 'name' },
  ),
  /** Fraction removed: of kernel weights (magnitude) or of each prunable channel group (channels). */
  amount: opt(
    z.number().gt(0).lt(1).default(0.5),
    'fraction of weights (magnitude) or channels (channels) removed',
  ),
  /**
   * channels: importance for groups no layer reads with measured statistics (the default scores
   * channels on calibration images): L1 norm of the filters or |γ| of their BatchNorm.
   */
  importance: opt(z.enum(['l1', 'bn-gamma']).default('l1'), 'channels: filter importance', {
    arg: 'how',
  }),
  /** channels: remove the channels in this many steps, each measured on calibration images. */
  steps: opt(
    z.number().int().positive().default(5),
    'channels: remove the channels in N steps, each measured on calibration images',
  ),
  /** channels: round kept channel counts up to a multiple of this (SIMD-friendly widths). */
  multipleOf: opt(
    z.number().int().positive().default(1),
    'channels: round kept channel counts up to a multiple of N',
  ),
  /** magnitude: one threshold over every kernel (global) or the same share per layer. */
  scope: opt(
    z.enum(['global', 'layer']).default('global'),
    'magnitude: one global threshold or the same share per layer',
    { arg: 'how' },
  ),
  /**
   * Fine-tune against the unpruned model's soft targets (Hinton et al. 2015) as well as the
   * labels: the original teaches its pruned copy, on unlabelled images too when given.
   */
  distill: opt(
    z.boolean().default(false),
    "fine-tune against the unpruned model's soft targets as well as the labels",
  ),
  ...softTargetFields,
  /** Keep BatchNorm in inference mode with its stored statistics while fine-tuning (as `train`). */
  freezeBn: opt(
    z.boolean().default(true),
    'let BatchNorm layers train while fine-tuning (default: frozen)',
    { flag: 'train-bn', sets: false },
  ),
  ...fineTuneFields({ epochs: 5, lr: 3e-4, out: 'runs/prune' }),
});

export type PruneConfig = z.infer<typeof pruneConfigSchema>;
export type PruneConfigInput = z.input<typeof pruneConfigSchema>;

export function resolvePruneConfig(...layers: ConfigLayer[]): PruneConfig {
  const config = parseLayers(pruneConfigSchema, 'pruning', layers);
  if (config.unlabeled !== undefined && !config.distill) {
    throw configError(
      'pruning',
      ['unlabeled', 'distill'],
      'unlabeled images feed the distillation term; add distill',
    );
  }
  return config;
}
