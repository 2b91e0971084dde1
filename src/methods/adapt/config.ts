// The configuration of `visiontune adapt` / `adapt(config)`: one zod schema with each method's
// defaults from its paper, merged in the same precedence as `train` (defaults < config file <
// flags < call arguments) and validated once.
import { z } from 'zod';
import { badUsage } from '../../errors.js';
import { parseLayers } from '../../util/merge-layers.js';

export const ADAPT_METHODS = ['source-only', 'dann', 'cdan', 'mmd', 'coral', 'selftrain'] as const;
export type AdaptMethodName = (typeof ADAPT_METHODS)[number];

/**
 * How the checkpoint is chosen without target labels: the source validation accuracy (the
 * default), or the mean prediction entropy on held-out unlabelled target images (lower is
 * better; Morerio et al. 2018 use it for model selection in adaptation).
 */
export const SELECTIONS = ['source-val', 'target-entropy'] as const;

export const adaptConfigSchema = z.object({
  /** Labelled source: image folder, manifest, or a built-in dataset. */
  source: z.string().min(1),
  /** Unlabelled target: a folder of images (searched recursively; any labels are ignored). */
  target: z.string().min(1),
  /** Labelled target images for the final evaluation only (never for training or selection). */
  targetTest: z.string().optional(),
  method: z.enum(ADAPT_METHODS).default('dann'),
  backbone: z.string().default('mobilenet_v2'),
  /** Start from pretrained weights (default) or random init. */
  pretrained: z.boolean().default(true),
  epochs: z.number().int().positive().default(10),
  /** Images per domain per step: each step sees `batch` source and `batch` target images. */
  batch: z.number().int().positive().default(32),
  imageSize: z.number().int().positive().optional(),
  /** SGD (momentum 0.9) lr of the new layers, annealed as in DANN; the backbone trains at lr × backboneLrMult. */
  lr: z.number().positive().default(0.01),
  backboneLrMult: z.number().min(0).max(1).default(0.1),
  weightDecay: z.number().nonnegative().default(5e-4),
  /** Width of the bottleneck the adaptation losses act on (256 in DANN/CDAN/DAN implementations). */
  bottleneck: z.number().int().positive().default(256),
  /** Weight of the transfer loss (adversarial, discrepancy or pseudo-label term). */
  tradeoff: z.number().nonnegative().default(1),
  /** Hidden width of the domain discriminator (DANN/CDAN: 1024). */
  discriminatorHidden: z.number().int().positive().default(1024),
  /** selftrain: confidence threshold of the pseudo-labels (FixMatch: 0.95). */
  threshold: z.number().gt(0).max(1).default(0.95),
  /** cdan: entropy conditioning (CDAN+E). */
  entropyConditioning: z.boolean().default(true),
  /**
   * Separate batch-norm statistics per domain: source and target batches pass the network
   * separately in training, and the exported model normalizes with statistics re-estimated on
   * the target images (AdaBN, Li et al. 2016).
   */
  domainBn: z.boolean().default(false),
  /** Keep BatchNorm in inference mode with its pretrained statistics (as `train` does). */
  freezeBn: z.boolean().default(true),
  /** Augmentation of the training images: as in `train` ('none' for digits and other non-photos). */
  augment: z.enum(['none', 'light', 'standard']).default('light'),
  /** Horizontal flips in augmentation (off for digits and text). */
  hflip: z.boolean().default(true),
  selection: z.enum(SELECTIONS).default('source-val'),
  /** Fraction of the source held out for validation when it has no val split. */
  val: z.number().min(0).max(0.9).default(0.2),
  /** Fraction of the unlabelled target held out for target-entropy selection and diagnostics. */
  targetVal: z.number().min(0).max(0.5).default(0.1),
  /** Evaluate on at most N target-test images per class (seeded). */
  testPerClass: z.number().int().positive().optional(),
  out: z.string().default('runs/adapt'),
  resume: z.boolean().default(false),
  seed: z.number().int().nonnegative().default(0),
  skipBad: z.boolean().default(false),
});

export type AdaptConfig = z.infer<typeof adaptConfigSchema>;
export type AdaptConfigInput = z.input<typeof adaptConfigSchema>;

/** Merges layers in precedence order (later wins; undefined never overrides) and validates. */
export function resolveAdaptConfig(
  ...layers: (Record<string, unknown> | undefined)[]
): AdaptConfig {
  const config = parseLayers(adaptConfigSchema, 'adaptation', layers);
  if (config.selection === 'source-val' && config.val === 0) {
    throw badUsage(
      'invalid adaptation configuration: selection source-val needs source validation images (val > 0)',
    );
  }
  if (config.selection === 'target-entropy' && config.targetVal === 0) {
    throw badUsage(
      'invalid adaptation configuration: selection target-entropy needs held-out target images (targetVal > 0)',
    );
  }
  return config;
}
