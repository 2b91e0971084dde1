// The run configuration of `visiontune segment train` / `trainSegmenter(config)`: one zod schema,
// merged with the same precedence as the other tasks: defaults < config file < flags < arguments.
import { z } from 'zod';
import { overridesOf } from '../../config/bundle-overrides.js';
import { opt } from '../../config/options.js';
import { configError } from '../../errors.js';
import type { ConfigLayer } from '../../util/merge-layers.js';
import { denseConfigFields, parseDenseConfig } from '../dense-config.js';

/**
 * What the bundle saves about reading masks and segmenting images, declared once: eval and
 * predict override the bundle's values with the same fields.
 */
export const bundledFields = {
  maskMode: opt(
    z.enum(['index', 'palette', 'binary']).default('index'),
    'how mask PNGs encode classes',
    { arg: 'mode' },
  ),
  /** 'resize' fits each image into the input; 'slide' runs windows at the image's own
   * resolution; 'auto' slides over images more than twice the input size. */
  inference: opt(
    z.enum(['auto', 'resize', 'slide']).default('auto'),
    "resize into the input, slide windows at the image's size, or auto (slide over images > 2x the input)",
    { arg: 'mode' },
  ),
};

/** Those fields as optional overrides of a bundle's. */
export const bundledOverrideFields = overridesOf(bundledFields);

export const segmentConfigSchema = z.object({
  ...denseConfigFields({
    help: {
      data: 'training pairs: a folder with images/ and masks/ (and classes.txt), a VOC folder, or a COCO .json',
      valData: 'validation pairs (default: hold out --val of the training images)',
      testData: 'pairs to evaluate on after training (default: validation)',
      head: 'decoder',
      metric: 'mIoU',
      skipBad: 'bad image/mask pairs',
    },
    defaults: {
      imageSize: 224,
      epochs: 10,
      batch: 8,
      freezeBn: false,
      scale: [0.5, 1.5],
      evalEvery: 1,
      out: 'runs/segment',
    },
  }),
  /** Class names in index order (default: the data's classes.txt / VOC / COCO categories). */
  classes: opt(
    z.array(z.string().min(1)).optional(),
    'class names in index order, comma-separated (default: classes.txt)',
    { arg: 'names' },
  ),
  maskMode: bundledFields.maskMode,
  /** Mask value left out of losses and metrics. */
  ignoreIndex: opt(
    z.number().int().min(0).max(255).default(255),
    'mask value left out of loss and metrics',
  ),
  decoder: opt(z.enum(['unet', 'deeplabv3plus']).default('unet'), 'decoder', { arg: 'name' }),
  /** Loss weights: cross-entropy, Dice, focal (their weighted sum is trained). */
  ceWeight: opt(z.number().nonnegative().default(1), 'cross-entropy weight in the loss'),
  diceWeight: opt(z.number().nonnegative().default(0), 'Dice loss weight'),
  focalWeight: opt(z.number().nonnegative().default(0), 'focal loss weight'),
  /** Cross-entropy class weights, one per class (default all 1). */
  classWeights: opt(
    z.array(z.number().nonnegative()).optional(),
    'cross-entropy weight per class, comma-separated',
    { arg: 'w,...' },
  ),
  /** How the evaluation after training segments images. */
  inference: bundledFields.inference,
});

export type SegmentConfig = z.infer<typeof segmentConfigSchema>;
export type SegmentConfigInput = z.input<typeof segmentConfigSchema>;

export function resolveSegmentConfig(...layers: ConfigLayer[]): SegmentConfig {
  const what = 'segmentation training';
  const config = parseDenseConfig(segmentConfigSchema, what, layers);
  if (config.ceWeight + config.diceWeight + config.focalWeight === 0)
    throw configError(
      what,
      ['ceWeight', 'diceWeight', 'focalWeight'],
      'at least one loss must have a weight > 0',
    );
  return config;
}
