// The fields every run configuration shares, declared once: where it writes, whether it resumes,
// its seed, and what it does with bad images; and how commands that read images read them.
import { z } from 'zod';
import { opt } from './options.js';

export const outField = (defaultDir: string) =>
  opt(z.string().default(defaultDir), 'output folder', { arg: 'dir' });

/** Shared by every schema with an output folder (guard/out-dir.ts): what --out holds that this
 * command did not write is refused unless moved aside. */
export const overwriteField = opt(
  z.boolean().default(false),
  'move what --out holds aside (to <out>.replaced-<time>) instead of refusing',
);

/** The output folder and --overwrite, for every schema that writes a folder. */
export const outFields = (defaultDir: string) => ({
  out: outField(defaultDir),
  overwrite: overwriteField,
});

export const resumeField = opt(
  z.boolean().default(false),
  'continue from the last complete checkpoint in --out',
);

export const seedField = opt(z.number().int().nonnegative().default(0), 'random seed', {
  arg: 'n',
});

export const skipBadField = opt(
  z.boolean().default(false),
  'skip bad images (counted and named) instead of failing',
);

export const backboneField = opt(
  z.string().default('mobilenet_v2'),
  'registry name or path/URL of a TF.js layers model',
  { arg: 'name' },
);

/** Start from pretrained weights, or (--scratch) the same network randomly initialized. */
export const pretrainedField = opt(
  z.boolean().default(true),
  'random initial weights instead of pretrained ones',
  { flag: 'scratch', sets: false },
);

/**
 * Largest square input: 4× the largest pretrained classification input (EfficientNet-B7, 600 px)
 * and about 3.4× that; one 2048² RGB float image is already 48 MiB before any activation.
 */
export const MAX_IMAGE_SIZE = 2048;

/**
 * The backbone layer whose pooled output is the frozen embedding: a name, several joined by '+'
 * (each pooled, concatenated), or 'auto' (default): the candidate LogME scores best on the
 * training images (methods/rank/choose-layer.ts).
 */
export const layerField = opt(
  z.string().min(1).default('auto'),
  'backbone layer to pool: a name, a+b (concatenated), or auto (chosen by LogME on the training images)',
  { arg: 'name|a+b|auto' },
);

const imageSize = z
  .number()
  .int()
  .positive()
  .max(MAX_IMAGE_SIZE, `at most ${MAX_IMAGE_SIZE} px (one side of the square network input)`);

export const imageSizeField = opt(
  imageSize.optional(),
  "square input size (default: the backbone's native size)",
  { arg: 'px' },
);

/** The value of `--image-size` that asks for the automatic choice. */
export const AUTO_IMAGE_SIZE = 'auto';

/**
 * `--image-size` where 'auto' is implemented (the linear probe): the candidate size whose best
 * layer scores highest by LogME on the training images (methods/rank/image-sizes.ts).
 */
export const imageSizeOrAutoField = opt(
  z.union([z.literal(AUTO_IMAGE_SIZE), imageSize]).optional(),
  "square input size, or auto: chosen by LogME on the training images (default: the backbone's native size)",
  { arg: 'px|auto' },
);

/** Input sizes to score: `visiontune rank`'s sizes, and the candidates of `--image-size auto`. */
export const imageSizesField = opt(
  z.array(imageSize).min(1).max(16).optional(),
  'candidate input sizes for --image-size auto (default: 64,96,128,160 and the native size for small images, else the native size)',
  { arg: 'px,px,...' },
);

/**
 * Keep every BatchNorm in inference mode with its pretrained statistics (and its gamma/beta
 * frozen), as the Keras transfer-learning guide advises for small data: batch statistics of a
 * few images from a new domain would replace statistics of the pretraining data.
 */
export const freezeBnField = opt(
  z.boolean().default(true),
  'let pretrained BatchNorm layers train (default: frozen at their statistics)',
  { flag: 'train-bn', sets: false },
);

/**
 * Training augmentation: 'standard' is timm's ImageNet recipe (random resized crop 8–100%, flip,
 * color jitter 0.4); 'light' keeps 60–100% of the image, flips, no jitter (small or
 * low-resolution datasets); 'none' uses the eval preprocessing.
 */
export const augmentField = opt(
  z.enum(['none', 'light', 'standard']).default('light'),
  'training augmentation',
);

export const labelsPerClassField = opt(
  z.number().int().positive().optional(),
  'use only K labelled training images per class (seeded)',
  { arg: 'k' },
);

export const testPerClassField = opt(
  z.number().int().positive().optional(),
  'evaluate on at most N test images per class (seeded)',
  { arg: 'n' },
);

export const batchSizeField = (images: number) =>
  opt(z.number().int().positive().default(images), 'images per batch', { arg: 'n' });

export const verifyField = opt(
  z.enum(['none', 'header', 'full']).default('header'),
  'check images before starting: header (fast) or full decode',
  { arg: 'level' },
);

/**
 * Moving-average momentum of BatchNorm layers that train. Keras MobileNetV2/InceptionV3 ship
 * 0.999, which barely moves in a short run, so evaluation would use statistics the network
 * never trained with; 0.9 is PyTorch's default (0.1 there).
 */
export const bnMomentumField = opt(
  z.number().min(0).max(1).default(0.9),
  'moving-average momentum of BatchNorms that train (Keras convention)',
);

/** Unset: the test split, else val, else all images. */
export const scoreSplitField = opt(
  z.enum(['all', 'train', 'val', 'test']).optional(),
  'split to score on (default: test, else val, else all)',
  { arg: 'name' },
);
