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

/** A task's name in a multi-task bundle: a layer-name prefix (head_<task>_…) and a JSON key. */
export const TASK_NAME = /^[a-z][a-z0-9_]{0,31}$/;
/** Most tasks one multi-task bundle holds (each is a head and an output). */
const MAX_TASKS = 64;

const detectionMetaSchema = z.object({
  head: z.literal('fcos'),
  strides: z.array(z.number().int().positive().max(MAX_INPUT_SIZE)).max(MAX_STRIDES),
  scoreThreshold: z.number().min(0).max(1),
  nmsIou: z.number().gt(0).max(1),
  maxDetections: z.number().int().positive().max(MAX_DETECTIONS),
});

const segmentationMetaSchema = z.object({
  decoder: z.enum(['unet', 'deeplabv3plus']),
  ignoreIndex: z.number().int().min(0).max(255),
  maskMode: z.enum(['index', 'palette', 'binary']),
  inference: z.enum(['auto', 'resize', 'slide']),
});

/** One task of a multi-task bundle: what a single-task bundle of its kind would say about its
 * output (labels, decoding), and which of the model's outputs it is. */
export const multitaskTaskSchema = z
  .object({
    name: z.string().regex(TASK_NAME, 'a task name is a-z, 0-9 and _, starting with a letter'),
    task: z.enum(['classification', 'detection', 'segmentation']),
    multiLabel: z.boolean().optional(),
    labels: z.array(z.string()).min(1).max(MAX_LABELS),
    /** Index into the model's outputs. */
    output: z.number().int().nonnegative().max(MAX_TASKS),
    detection: detectionMetaSchema.optional(),
    segmentation: segmentationMetaSchema.optional(),
    metrics: z.record(z.string(), z.number()).default({}),
  })
  .superRefine((t, ctx) => {
    for (const kind of ['detection', 'segmentation'] as const)
      if (t.task === kind && !t[kind])
        ctx.addIssue({
          code: 'custom',
          path: [kind],
          message: `a ${kind} task needs its ${kind} settings`,
        });
    if (t.multiLabel && t.task !== 'classification')
      ctx.addIssue({
        code: 'custom',
        path: ['multiLabel'],
        message: 'only classification tasks are multi-label',
      });
  });

const multitaskMetaSchema = z
  .object({ tasks: z.array(multitaskTaskSchema).min(1).max(MAX_TASKS) })
  .superRefine(({ tasks }, ctx) => {
    const names = tasks.map((t) => t.name);
    const outputs = tasks.map((t) => t.output).sort((a, b) => a - b);
    if (new Set(names).size !== names.length)
      ctx.addIssue({
        code: 'custom',
        path: ['tasks'],
        message: `task names repeat: ${names.join(', ')}`,
      });
    if (outputs.some((o, i) => o !== i))
      ctx.addIssue({
        code: 'custom',
        path: ['tasks'],
        message: `outputs must be 0…${tasks.length - 1}, one per task (got ${outputs.join(', ')})`,
      });
  });

const bundleMetaFields = z.object({
  formatVersion: z.number().int(),
  task: z.enum(['classification', 'embedding', 'detection', 'segmentation', 'multitask']),
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
  detection: detectionMetaSchema.optional(),
  /** Segmenters (heads/segmentation): output [batch, size, size, classes] logits; how masks
   * were read in training and how large images are segmented by default. */
  segmentation: segmentationMetaSchema.optional(),
  /** A classifier whose classes are independent (sigmoid per class, a threshold): multi-label. */
  multiLabel: z.boolean().optional(),
  /** Multi-task bundles (task 'multitask', labels []): one output per task, described here. */
  multitask: multitaskMetaSchema.optional(),
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

/** visiontune.json: the fields, and the rules between them. */
export const bundleMetaSchema = bundleMetaFields.superRefine((meta, ctx) => {
  if ((meta.task === 'multitask') !== (meta.multitask !== undefined))
    ctx.addIssue({
      code: 'custom',
      path: ['multitask'],
      message: 'a multitask bundle (task "multitask") and only it describes its tasks here',
    });
  if (meta.task === 'multitask' && meta.labels.length > 0)
    ctx.addIssue({
      code: 'custom',
      path: ['labels'],
      message: 'a multitask bundle keeps its labels per task (labels: [])',
    });
});

export type Preprocessing = z.infer<typeof preprocessingSchema>;
export type BundleMeta = z.infer<typeof bundleMetaSchema>;
export type MultitaskTask = z.infer<typeof multitaskTaskSchema>;
export type CompressionStep = NonNullable<BundleMeta['compression']>[number];
