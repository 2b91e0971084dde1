// visiontune.json: what a bundle is, how to feed it, and where it came from. One zod schema
// validates it on load so a bundle we cannot read fails with the field that is wrong.
import { z } from 'zod';
import { MAX_INPUT_SIZE } from '../backbones/input-size.js';
import { deltaMetaSchema } from './delta/schema.js';

export const BUNDLE_FORMAT_VERSION = 1;
export const META_FILE = 'visiontune.json';

// Bounds, so a bundle from someone else cannot ask for an absurd tensor before anything is
// allocated (input size: backbones/input-size.ts); 100k labels is 4× ImageNet-21k.
export const MAX_LABELS = 100_000;
const MAX_STRIDES = 16;
const MAX_DETECTIONS = 100_000;

const rgb = z.tuple([z.number(), z.number(), z.number()]);

export const preprocessingSchema = z.object({
  inputSize: z.number().int().positive().max(MAX_INPUT_SIZE),
  mean: rgb,
  std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]),
  interpolation: z.enum(['bilinear', 'bicubic', 'nearest']),
  /** Eval-time resize before the center crop, as a fraction of inputSize (timm's crop_pct). */
  cropPct: z.number().positive().max(1),
});

export const bundleMetaSchema = z.object({
  formatVersion: z.number().int(),
  task: z.enum(['classification', 'embedding', 'detection', 'segmentation']),
  labels: z.array(z.string()).max(MAX_LABELS),
  preprocessing: preprocessingSchema,
  backbone: z.object({
    name: z.string(),
    embeddingDim: z
      .number()
      .int()
      .positive()
      .max(1 << 20)
      .optional(),
    /** The pooled layer(s) the embedding reads ('a+b': concatenated). */
    layer: z.string().max(10_000).optional(),
    /**
     * How `--layer auto` (and `--image-size auto`) chose it: every candidate's LogME on the
     * training images, best first; the input size it won at, and the sizes scored.
     */
    layerChoice: z
      .object({
        score: z.literal('logme'),
        imageSize: z.number().int().positive().max(MAX_INPUT_SIZE).optional(),
        sizes: z.array(z.number().int().positive().max(MAX_INPUT_SIZE)).max(64).optional(),
        images: z.number().int().nonnegative(),
        seconds: z.number().nonnegative(),
        scores: z
          .array(
            z.object({
              layer: z.string().max(10_000),
              dim: z.number().int().positive(),
              score: z.number(),
              imageSize: z.number().int().positive().max(MAX_INPUT_SIZE).optional(),
            }),
          )
          .max(10_000),
      })
      .optional(),
  }),
  /** The merged run configuration that produced the bundle. */
  training: z.record(z.string(), z.unknown()).default({}),
  metrics: z.record(z.string(), z.number()).default({}),
  /** Few-shot prototype classifiers (methods/fewshot/classifier): the metric, the logit scale,
   * and how each class got its head column, so classes can be added later in the same space. */
  fewshot: z
    .object({
      metric: z.enum(['cosine', 'euclidean']),
      scale: z.number().positive(),
      classes: z
        .array(
          z.object({
            label: z.string(),
            shots: z.number().int().positive(),
            addedBy: z.enum(['fit', 'add']),
            finetuned: z.boolean(),
            source: z.string(),
          }),
        )
        .max(MAX_LABELS),
    })
    .optional(),
  /** Detectors (heads/detection): how to read the output tensor and the decoding defaults. The
   * image is letterboxed to preprocessing.inputSize (gray padding), not center-cropped. */
  detection: z
    .object({
      head: z.literal('fcos'),
      strides: z.array(z.number().int().positive().max(MAX_INPUT_SIZE)).max(MAX_STRIDES),
      scoreThreshold: z.number().min(0).max(1),
      nmsIou: z.number().gt(0).max(1),
      maxDetections: z.number().int().positive().max(MAX_DETECTIONS),
    })
    .optional(),
  /** Segmenters (heads/segmentation): output [batch, size, size, classes] logits; how masks
   * were read in training and how large images are segmented by default. */
  segmentation: z
    .object({
      decoder: z.enum(['unet', 'deeplabv3plus']),
      ignoreIndex: z.number().int().min(0).max(255),
      maskMode: z.enum(['index', 'palette', 'binary']),
      inference: z.enum(['auto', 'resize', 'slide']),
    })
    .optional(),
  /** Compression steps that made this bundle from another (methods/compress), oldest first. */
  compression: z
    .array(
      z.object({
        kind: z.enum(['distill', 'prune-magnitude', 'prune-channels', 'quantize']),
        /** The bundle (or architecture) it started from. */
        from: z.string(),
        details: z.record(z.string(), z.unknown()).default({}),
      }),
    )
    .optional(),
  /** A delta bundle (bundle/delta): model.json holds only these weights; the rest come from the
   * base named here, checked by its weights' SHA-256 when loaded. */
  delta: deltaMetaSchema.optional(),
  createdAt: z.string(),
  visiontuneVersion: z.string(),
});

export type Preprocessing = z.infer<typeof preprocessingSchema>;
export type BundleMeta = z.infer<typeof bundleMetaSchema>;
export type CompressionStep = NonNullable<BundleMeta['compression']>[number];
