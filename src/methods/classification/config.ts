// The run configuration of `visiontune train` / `train(config)`: one zod schema, validated after
// merging, with the precedence stated once: defaults < config file < CLI flags < call arguments.
import { z } from 'zod';
import { badUsage } from '../../errors.js';
import { parseLayers } from '../../util/merge-layers.js';

export const STRATEGIES = ['linear', 'finetune', 'scratch'] as const;

export const trainConfigSchema = z.object({
  data: z.string().min(1),
  backbone: z.string().default('mobilenet_v2'),
  strategy: z.enum(STRATEGIES).default('linear'),
  epochs: z.number().int().positive().default(10),
  batch: z.number().int().positive().default(32),
  /** Square input size; default the backbone's native size. */
  imageSize: z.number().int().positive().optional(),
  /** Base learning rate; default per strategy (linear 0.02, finetune 1e-3, scratch 3e-3). */
  lr: z.number().positive().optional(),
  /**
   * finetune/scratch lr schedule: cosine with one epoch of warm-up, step (×0.1 at 1/3 and 2/3),
   * one-cycle (lr is the peak), constant, or plateau (×0.1 after 2 epochs without a better
   * validation loss).
   */
  schedule: z.enum(['cosine', 'step', 'onecycle', 'constant', 'plateau']).default('cosine'),
  /** finetune/scratch: stop after this many epochs without a better validation loss, keeping the best epoch's weights. */
  earlyStopping: z.number().int().nonnegative().optional(),
  /** finetune/scratch: clip gradients to this global L2 norm. */
  clipNorm: z.number().positive().optional(),
  /** Fraction of the training images held out for validation when the data has no val split. */
  val: z.number().min(0).max(0.9).default(0.2),
  /** Use only K labelled training images per class (seeded). */
  labelsPerClass: z.number().int().positive().optional(),
  /** Evaluate on at most N test images per class (seeded); default all. */
  testPerClass: z.number().int().positive().optional(),
  /** Layer whose pooled output feeds the head (default: the backbone's embedding layer). */
  layer: z.string().optional(),
  hidden: z.number().int().nonnegative().default(0),
  dropRate: z.number().min(0).max(0.95).default(0),
  weightDecay: z.number().nonnegative().default(1e-4),
  labelSmoothing: z.number().min(0).max(0.5).default(0),
  backboneLrMult: z.number().positive().max(1).default(0.1),
  /**
   * finetune: layer-wise lr decay (BEiT, ELECTRA): the backbone block d steps below the head
   * trains at backboneLrMult * layerDecay^d. Off by default.
   */
  layerDecay: z.number().gt(0).max(1).optional(),
  /**
   * Training augmentation for finetune/scratch: 'standard' is timm's ImageNet recipe (random
   * resized crop 8–100%, flip, color jitter 0.4); 'light' keeps 60–100% of the image, flips, no
   * jitter (small or low-resolution datasets); 'none' uses the eval preprocessing.
   */
  augment: z.enum(['none', 'light', 'standard']).default('light'),
  /**
   * finetune: keep every BatchNorm in inference mode with its pretrained statistics (and its
   * gamma/beta frozen), as the Keras transfer-learning guide advises for small data: batch
   * statistics of a few images from a new domain would replace statistics of the pretraining data.
   */
  freezeBn: z.boolean().default(true),
  /**
   * Moving-average momentum of BatchNorm layers that train. Keras MobileNetV2/InceptionV3 ship
   * 0.999, which barely moves in a short run, so evaluation would use statistics the network
   * never trained with; 0.9 is PyTorch's default (0.1 there).
   */
  bnMomentum: z.number().min(0).max(1).default(0.9),
  /** Mixup α (0 = off; 0.2 is the paper's ImageNet range). finetune/scratch only. */
  mixup: z.number().nonnegative().default(0),
  /** CutMix α (0 = off; 1 in the paper). With mixup too, one of them per batch. */
  cutmix: z.number().nonnegative().default(0),
  /** L2-SP strength α toward the pretrained weights (0 = off; the paper uses 0.1); finetune only. */
  l2sp: z.number().nonnegative().default(0),
  /** finetune: how many of the last backbone blocks train ('all', or 0 for the head only). */
  unfreeze: z.union([z.literal('all'), z.number().int().nonnegative()]).default('all'),
  /**
   * finetune: gradual unfreezing (ULMFiT) — the head trains alone for this many epochs, then one
   * more block, from the top down, every this many epochs, up to `unfreeze` blocks.
   */
  gradualUnfreeze: z.number().int().positive().optional(),
  out: z.string().default('runs/train'),
  resume: z.boolean().default(false),
  seed: z.number().int().nonnegative().default(0),
  skipBad: z.boolean().default(false),
  cacheDir: z.string().optional(),
});

export type TrainConfig = z.infer<typeof trainConfigSchema>;
export type TrainConfigInput = z.input<typeof trainConfigSchema>;

export const DEFAULT_LR: Record<TrainConfig['strategy'], number> = {
  linear: 0.02,
  finetune: 1e-3,
  scratch: 3e-3,
};

/** Merges layers in precedence order (later wins; undefined never overrides) and validates. */
export function resolveTrainConfig(
  ...layers: (Record<string, unknown> | undefined)[]
): TrainConfig {
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
      throw badUsage(
        `invalid training configuration: ${networkOnly.join(', ')} only apply to strategies finetune and scratch (the linear head has its own schedule)`,
      );
    }
  }
  if (config.strategy !== 'finetune') {
    const finetuneOnly = [
      config.gradualUnfreeze !== undefined && 'gradualUnfreeze',
      config.l2sp > 0 && 'l2sp',
      config.layerDecay !== undefined && 'layerDecay',
    ].filter(Boolean);
    if (finetuneOnly.length) {
      throw badUsage(
        `invalid training configuration: ${finetuneOnly.join(', ')} only apply to strategy finetune, not ${config.strategy}`,
      );
    }
  }
  return config;
}
