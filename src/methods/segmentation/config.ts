// The run configuration of `visiontune segment train` / `trainSegmenter(config)`: one zod schema,
// merged with the same precedence as the other tasks: defaults < config file < flags < arguments.
import { z } from 'zod';
import { badUsage } from '../../errors.js';
import { parseLayers } from '../../util/merge-layers.js';
import { checkDenseConfig } from '../dense-training.js';

export const segmentConfigSchema = z.object({
  /** Training data: a folder with images/ + masks/ (+ classes.txt), a Pascal VOC folder, or a
   * COCO .json with polygon/RLE segmentations. */
  data: z.string().min(1),
  /** COCO: the images folders (default: each annotation file's folder). */
  images: z.string().optional(),
  valImages: z.string().optional(),
  testImages: z.string().optional(),
  /** Validation data (same layout); default: `val` of the training images held out. */
  valData: z.string().optional(),
  val: z.number().min(0).max(0.9).default(0.1),
  /** Data evaluated after training; default: the validation images. */
  testData: z.string().optional(),
  /** Class names in index order (default: the data's classes.txt / VOC / COCO categories). */
  classes: z.array(z.string().min(1)).optional(),
  maskMode: z.enum(['index', 'palette', 'binary']).default('index'),
  /** Mask value left out of losses and metrics. */
  ignoreIndex: z.number().int().min(0).max(255).default(255),
  backbone: z.string().default('mobilenet_v2'),
  decoder: z.enum(['unet', 'deeplabv3plus']).default('unet'),
  /** finetune: pretrained backbone; scratch: the same network randomly initialized. */
  strategy: z.enum(['finetune', 'scratch']).default('finetune'),
  /** Square training input size, a multiple of 32. */
  imageSize: z.number().int().positive().default(224),
  epochs: z.number().int().positive().default(10),
  batch: z.number().int().positive().default(8),
  /** AdamW base lr; the backbone trains at lr × backboneLrMult when pretrained. */
  lr: z.number().positive().default(1e-3),
  backboneLrMult: z.number().positive().max(1).default(1),
  weightDecay: z.number().nonnegative().default(1e-4),
  schedule: z.enum(['cosine', 'step', 'onecycle', 'constant']).default('cosine'),
  clipNorm: z.number().nonnegative().default(10),
  /** finetune: only the decoder trains; the backbone stays as pretrained. */
  freezeBackbone: z.boolean().default(false),
  /** finetune: backbone BatchNorms keep their pretrained statistics. */
  freezeBn: z.boolean().default(false),
  bnMomentum: z.number().min(0).max(1).default(0.9),
  /** Decoder width. */
  channels: z.number().int().positive().default(64),
  /** Loss weights: cross-entropy, Dice, focal (their weighted sum is trained). */
  ceWeight: z.number().nonnegative().default(1),
  diceWeight: z.number().nonnegative().default(0),
  focalWeight: z.number().nonnegative().default(0),
  /** Cross-entropy class weights, one per class (default all 1). */
  classWeights: z.array(z.number().nonnegative()).optional(),
  /** Random scale range of the scale-and-crop augmentation (relative to fitting the image). */
  scale: z.tuple([z.number().positive(), z.number().positive()]).default([0.5, 1.5]),
  colorJitter: z.number().min(0).max(1).default(0.3),
  /** Validation mIoU after every this many epochs and at the last (0: never). */
  evalEvery: z.number().int().nonnegative().default(1),
  /** Evaluation: 'resize' fits each image into the input; 'slide' runs windows at the image's
   * own resolution; 'auto' slides over images more than twice the input size. */
  inference: z.enum(['auto', 'resize', 'slide']).default('auto'),
  out: z.string().default('runs/segment'),
  resume: z.boolean().default(false),
  seed: z.number().int().nonnegative().default(0),
  skipBad: z.boolean().default(false),
});

export type SegmentConfig = z.infer<typeof segmentConfigSchema>;
export type SegmentConfigInput = z.input<typeof segmentConfigSchema>;

export function resolveSegmentConfig(
  ...layers: (Record<string, unknown> | undefined)[]
): SegmentConfig {
  const config = parseLayers(segmentConfigSchema, 'segmentation training', layers);
  checkDenseConfig(config);
  if (config.ceWeight + config.diceWeight + config.focalWeight === 0)
    throw badUsage('ceWeight, diceWeight, focalWeight: at least one loss must have a weight > 0');
  return config;
}
