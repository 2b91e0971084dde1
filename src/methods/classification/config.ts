// The run configuration of `visiontune train` / `train(config)`: one zod schema, validated after
// merging, with the precedence stated once: defaults < config file < CLI flags < call arguments.
import { z } from 'zod';
import { opt } from '../../config/options.js';
import {
  AUTO_IMAGE_SIZE,
  augmentField,
  backboneField,
  bnMomentumField,
  freezeBnField,
  imageSizeOrAutoField,
  imageSizesField,
  labelsPerClassField,
  layerField,
  outFields,
  resumeField,
  seedField,
  skipBadField,
  testPerClassField,
} from '../../config/run-fields.js';
import { configError } from '../../errors.js';
import { type ConfigLayer, parseLayers } from '../../util/merge-layers.js';
import { checkPeftConfig, peftFields } from '../peft/config.js';

/**
 * lp-ft (Kumar et al. 2022): a linear probe on the chosen layer first, then the network cut at that
 * layer is fine-tuned from the probe's head, so fine-tuning starts from features the head already
 * uses instead of distorting them to fit a random head.
 */
export const STRATEGIES = ['linear', 'finetune', 'scratch', 'lp-ft'] as const;

/** Strategies that fine-tune a pretrained network (finetune's options apply to each). */
const FINETUNING: readonly Strategy[] = ['finetune', 'lp-ft'];
type Strategy = (typeof STRATEGIES)[number];

export const trainConfigSchema = z.object({
  data: opt(z.string().min(1), 'image folder, .csv/.jsonl manifest, or mnist / fashion-mnist'),
  backbone: backboneField,
  strategy: opt(z.enum(STRATEGIES).default('linear'), 'transfer strategy'),
  epochs: opt(z.number().int().positive().default(10), 'epochs'),
  batch: opt(z.number().int().positive().default(32), 'batch size'),
  /** Square input size; default the backbone's native size; 'auto' (linear): scored by LogME. */
  imageSize: imageSizeOrAutoField,
  /** Candidate sizes for imageSize 'auto'; default from the data's image size (image-sizes.ts). */
  imageSizes: imageSizesField,
  /** Base learning rate; default per strategy (DEFAULT_LR; lp-ft: of its fine-tuning stage). */
  lr: opt(z.number().positive().optional(), 'base learning rate (default per strategy)'),
  /**
   * finetune/scratch lr schedule: cosine with one epoch of warm-up, step (×0.1 at 1/3 and 2/3),
   * one-cycle (lr is the peak), constant, or plateau (×0.1 after 2 epochs without a better
   * validation loss).
   */
  schedule: opt(
    z.enum(['cosine', 'step', 'onecycle', 'constant', 'plateau']).default('cosine'),
    'finetune/scratch lr schedule',
  ),
  /** finetune/scratch: stop after this many epochs without a better validation loss, keeping the best epoch's weights. */
  earlyStopping: opt(
    z.number().int().nonnegative().optional(),
    'finetune/scratch: stop after N epochs without a better val loss; keep the best weights',
    { arg: 'epochs' },
  ),
  /** finetune/scratch: clip gradients to this global L2 norm. */
  clipNorm: opt(
    z.number().positive().optional(),
    'finetune/scratch: clip gradients to this global norm',
  ),
  /** Fraction of the training images held out for validation when the data has no val split. */
  val: opt(
    z.number().min(0).max(0.9).default(0.2),
    'validation fraction when the data has no val split',
    { arg: 'fraction' },
  ),
  /** Use only K labelled training images per class (seeded). */
  labelsPerClass: labelsPerClassField,
  /** Evaluate on at most N test images per class (seeded); default all. */
  testPerClass: testPerClassField,
  /**
   * Layer whose pooled output feeds the head. 'auto' is chosen by LogME for the linear probe and
   * lp-ft (whose network is cut there); finetune and scratch keep the backbone's embedding layer
   * unless one is named.
   */
  layer: layerField,
  /**
   * lp-ft: epochs of its linear-probe stage when the probe trains (with dropout or label
   * smoothing; a plain probe is solved by L-BFGS). Default 30; it stops early on val loss.
   */
  probeEpochs: opt(
    z.number().int().positive().optional(),
    'lp-ft: epochs of the linear-probe stage when it trains (--drop-rate/--label-smoothing; default 30)',
    { arg: 'epochs' },
  ),
  hidden: opt(
    z.number().int().nonnegative().default(0),
    'linear: hidden units of an MLP head (0: linear)',
    { arg: 'n' },
  ),
  dropRate: opt(z.number().min(0).max(0.95).default(0), 'dropout before the head'),
  weightDecay: opt(z.number().nonnegative().default(1e-4), 'AdamW weight decay'),
  labelSmoothing: opt(z.number().min(0).max(0.5).default(0), 'label smoothing'),
  backboneLrMult: opt(z.number().positive().max(1).default(0.1), 'finetune: backbone lr multiple'),
  /**
   * finetune: layer-wise lr decay (BEiT, ELECTRA): the backbone block d steps below the head
   * trains at backboneLrMult * layerDecay^d. Off by default.
   */
  layerDecay: opt(
    z.number().gt(0).max(1).optional(),
    'finetune: layer-wise lr decay per block below the head, in (0, 1]',
  ),
  /** finetune/scratch: training augmentation. */
  augment: augmentField,
  /** finetune: BatchNorm layers keep their pretrained statistics. */
  freezeBn: freezeBnField,
  bnMomentum: bnMomentumField,
  /** Mixup α (0 = off; 0.2 is the paper's ImageNet range). finetune/scratch only. */
  mixup: opt(
    z.number().nonnegative().default(0),
    'finetune/scratch: mixup alpha (0 = off; 0.2 typical)',
    { arg: 'alpha' },
  ),
  /** CutMix α (0 = off; 1 in the paper). With mixup too, one of them per batch. */
  cutmix: opt(
    z.number().nonnegative().default(0),
    'finetune/scratch: CutMix alpha (0 = off; 1 typical)',
    { arg: 'alpha' },
  ),
  /** L2-SP strength α toward the pretrained weights (0 = off; the paper uses 0.1); finetune only. */
  l2sp: opt(
    z.number().nonnegative().default(0),
    'finetune: L2-SP strength toward the pretrained weights (0 = off; 0.1 typical)',
    { arg: 'alpha' },
  ),
  /** finetune: how many of the last backbone blocks train ('all', or 0 for the head only). */
  unfreeze: opt(
    z.union([z.literal('all'), z.number().int().nonnegative()]).default('all'),
    'finetune: the last N backbone blocks train, or all',
    { arg: 'n|all' },
  ),
  /**
   * finetune: gradual unfreezing (ULMFiT) — the head trains alone for this many epochs, then one
   * more block, from the top down, every this many epochs, up to `unfreeze` blocks.
   */
  gradualUnfreeze: opt(
    z.number().int().positive().optional(),
    'finetune: head alone for E epochs, then one more block every E epochs (ULMFiT)',
    { arg: 'epochs' },
  ),
  ...peftFields,
  ...outFields('runs/train'),
  resume: resumeField,
  seed: seedField,
  skipBad: skipBadField,
  cacheDir: opt(z.string().optional(), 'embedding cache folder (default ~/.cache/visiontune)', {
    arg: 'dir',
  }),
});

export type TrainConfig = z.infer<typeof trainConfigSchema>;
export type TrainConfigInput = z.input<typeof trainConfigSchema>;

/** Strategies whose input size may be 'auto' (scored on frozen features, as the layer is). */
export const AUTO_SIZE_STRATEGIES: readonly Strategy[] = ['linear'];

/** The input size of a resolved configuration whose strategy cannot take 'auto'. */
export function fixedImageSize(config: TrainConfig): number | undefined {
  if (config.imageSize === AUTO_IMAGE_SIZE)
    throw new Error(`imageSize auto reached strategy ${config.strategy}`);
  return config.imageSize;
}

export const DEFAULT_LR: Record<Strategy, number> = {
  linear: 0.02,
  finetune: 1e-3,
  scratch: 3e-3,
  // Kumar et al. fine-tune from the probe with a smaller lr than plain fine-tuning; picked on a
  // validation split (bench/transfer.ts, README).
  'lp-ft': 3e-4,
};

export const DEFAULT_PROBE_EPOCHS = 30;

/** Merges layers in precedence order (later wins; undefined never overrides) and validates. */
export function resolveTrainConfig(...layers: ConfigLayer[]): TrainConfig {
  const config = parseLayers(trainConfigSchema, 'training', layers);
  // Options that would silently do nothing with another strategy are usage errors.
  if (config.strategy === 'linear') {
    const networkOnly = [
      config.schedule !== 'cosine' && 'schedule',
      config.earlyStopping !== undefined && 'earlyStopping',
      config.clipNorm !== undefined && 'clipNorm',
      config.mixup > 0 && 'mixup',
      config.cutmix > 0 && 'cutmix',
    ].filter(Boolean);
    if (networkOnly.length) {
      throw configError(
        'training',
        networkOnly as string[],
        'only apply to strategies finetune and scratch (the linear head has its own schedule)',
      );
    }
  }
  if (config.imageSize === AUTO_IMAGE_SIZE && !AUTO_SIZE_STRATEGIES.includes(config.strategy))
    throw configError(
      'training',
      ['imageSize'],
      `auto is implemented for strategy ${AUTO_SIZE_STRATEGIES.join(', ')}, not ${config.strategy}`,
    );
  if (config.imageSizes && config.imageSize !== AUTO_IMAGE_SIZE)
    throw configError('training', ['imageSizes'], 'only applies with imageSize auto');
  if (!FINETUNING.includes(config.strategy)) {
    const finetuneOnly = [
      config.gradualUnfreeze !== undefined && 'gradualUnfreeze',
      config.l2sp > 0 && 'l2sp',
      config.layerDecay !== undefined && 'layerDecay',
    ].filter(Boolean);
    if (finetuneOnly.length) {
      throw configError(
        'training',
        finetuneOnly as string[],
        `only apply to strategies finetune and lp-ft, not ${config.strategy}`,
      );
    }
  }
  if (config.strategy !== 'lp-ft' && config.probeEpochs !== undefined) {
    throw configError(
      'training',
      ['probeEpochs'],
      `only applies to strategy lp-ft, not ${config.strategy}`,
    );
  }
  checkPeftConfig(config, 'training', {
    unfreeze: config.unfreeze !== 'all',
    gradualUnfreeze: config.gradualUnfreeze !== undefined,
    l2sp: config.l2sp > 0,
    layerDecay: config.layerDecay !== undefined,
    freezeBn: !config.freezeBn,
  });
  // The fine-tuned network's head is one Dense layer: an MLP probe has no such head to become.
  if (config.strategy === 'lp-ft' && config.hidden > 0) {
    throw configError(
      'training',
      ['hidden'],
      'lp-ft probes with a linear head (hidden 0): its head initializes the fine-tuned Dense head',
    );
  }
  return config;
}
