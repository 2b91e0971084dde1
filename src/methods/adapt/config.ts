// The configuration of `visiontune adapt` / `adapt(config)`: one zod schema with each method's
// defaults from its paper, merged in the same precedence as `train` (defaults < config file <
// flags < call arguments) and validated once.
import { z } from 'zod';
import { opt } from '../../config/options.js';
import {
  augmentField,
  backboneField,
  freezeBnField,
  imageSizeField,
  outFields,
  pretrainedField,
  resumeField,
  seedField,
  skipBadField,
  testPerClassField,
} from '../../config/run-fields.js';
import { configError } from '../../errors.js';
import { type ConfigLayer, parseLayers } from '../../util/merge-layers.js';
import { ADAPT_METHODS, adaptMethods } from './methods/index.js';

export { ADAPT_METHODS };

/**
 * How the checkpoint is chosen without target labels: the source validation accuracy (the
 * default), or the mean prediction entropy on held-out unlabelled target images (lower is
 * better; Morerio et al. 2018 use it for model selection in adaptation).
 */
export const SELECTIONS = ['source-val', 'target-entropy'] as const;

export const adaptConfigSchema = z.object({
  /** Labelled source: image folder, manifest, or a built-in dataset. */
  source: opt(
    z.string().min(1),
    'labelled source: image folder, manifest, or mnist / fashion-mnist',
    { arg: 'data' },
  ),
  /** Unlabelled target: a folder of images (searched recursively; any labels are ignored). */
  target: opt(z.string().min(1), 'unlabelled target images (a folder, searched recursively)', {
    arg: 'folder',
  }),
  /** Labelled target images for the final evaluation only (never for training or selection). */
  targetTest: opt(
    z.string().optional(),
    'labelled target images for the final evaluation only (never used for training or selection)',
    { arg: 'data' },
  ),
  method: adaptMethods.nameField('adaptation method', 'dann'),
  backbone: backboneField,
  /** Start from pretrained weights (default) or random init. */
  pretrained: pretrainedField,
  epochs: opt(z.number().int().positive().default(10), 'epochs'),
  /** Images per domain per step: each step sees `batch` source and `batch` target images. */
  batch: opt(z.number().int().positive().default(32), 'images per domain per step'),
  imageSize: imageSizeField,
  /** SGD (momentum 0.9) lr of the new layers, annealed as in DANN; the backbone trains at lr × backboneLrMult. */
  lr: opt(z.number().positive().default(0.01), 'SGD lr of the new layers'),
  backboneLrMult: opt(z.number().min(0).max(1).default(0.1), 'backbone lr multiple'),
  weightDecay: opt(z.number().nonnegative().default(5e-4), 'weight decay'),
  /** Width of the bottleneck the adaptation losses act on (256 in DANN/CDAN/DAN implementations). */
  bottleneck: opt(z.number().int().positive().default(256), 'feature width the losses align'),
  /** Weight of the transfer loss (adversarial, discrepancy or pseudo-label term). */
  tradeoff: opt(z.number().nonnegative().default(1), 'weight of the transfer loss'),
  /** Hidden width of the domain discriminator (DANN/CDAN: 1024). */
  discriminatorHidden: opt(
    z.number().int().positive().default(1024),
    'dann/cdan: hidden width of the domain discriminator',
  ),
  /** selftrain: confidence threshold of the pseudo-labels (FixMatch: 0.95). */
  threshold: opt(z.number().gt(0).max(1).default(0.95), 'selftrain: pseudo-label confidence'),
  /** cdan: entropy conditioning (CDAN+E). */
  entropyConditioning: opt(z.boolean().default(true), 'cdan: plain CDAN instead of CDAN+E'),
  /**
   * Separate batch-norm statistics per domain: source and target batches pass the network
   * separately in training, and the exported model normalizes with statistics re-estimated on
   * the target images (AdaBN, Li et al. 2016).
   */
  domainBn: opt(
    z.boolean().default(false),
    'separate BatchNorm statistics per domain (AdaBN for the exported model)',
  ),
  /** Keep BatchNorm in inference mode with its pretrained statistics (as `train` does). */
  freezeBn: freezeBnField,
  /** Augmentation of the training images: as in `train` ('none' for digits and other non-photos). */
  augment: augmentField,
  /** Horizontal flips in augmentation (off for digits and text). */
  hflip: opt(z.boolean().default(true), 'no horizontal flips (digits, text)'),
  selection: opt(
    z.enum(SELECTIONS).default('source-val'),
    'checkpoint selection without target labels',
  ),
  /** Fraction of the source held out for validation when it has no val split. */
  val: opt(z.number().min(0).max(0.9).default(0.2), 'source validation fraction', {
    arg: 'fraction',
  }),
  /** Fraction of the unlabelled target held out for target-entropy selection and diagnostics. */
  targetVal: opt(
    z.number().min(0).max(0.5).default(0.1),
    'unlabelled target fraction held out for selection and diagnostics',
    { arg: 'fraction' },
  ),
  /** Evaluate on at most N target-test images per class (seeded). */
  testPerClass: testPerClassField,
  ...outFields('runs/adapt'),
  resume: resumeField,
  seed: seedField,
  skipBad: skipBadField,
});

export type AdaptConfig = z.infer<typeof adaptConfigSchema>;
export type AdaptConfigInput = z.input<typeof adaptConfigSchema>;

/** Merges layers in precedence order (later wins; undefined never overrides) and validates. */
export function resolveAdaptConfig(...layers: ConfigLayer[]): AdaptConfig {
  const config = parseLayers(adaptConfigSchema, 'adaptation', layers);
  if (config.selection === 'source-val' && config.val === 0) {
    throw configError(
      'adaptation',
      ['selection', 'val'],
      'selection source-val needs source validation images (val > 0)',
    );
  }
  if (config.selection === 'target-entropy' && config.targetVal === 0) {
    throw configError(
      'adaptation',
      ['selection', 'targetVal'],
      'selection target-entropy needs held-out target images (targetVal > 0)',
    );
  }
  return config;
}
