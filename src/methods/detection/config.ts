// The run configuration of `visiontune detect train` / `trainDetector(config)`: one zod schema,
// merged with the same precedence as classification: defaults < config file < flags < arguments.
import { z } from 'zod';
import { parseLayers } from '../../util/merge-layers.js';
import { checkDenseConfig } from '../dense-training.js';

export const detectConfigSchema = z.object({
  /** Training data: COCO .json, YOLO data.yaml, or a Pascal VOC folder. */
  data: z.string().min(1),
  /** COCO: images folder of `data` (default: the annotation file's folder). */
  images: z.string().optional(),
  /** COCO: images folders of valData / testData (default: their annotation file's folder). */
  valImages: z.string().optional(),
  testImages: z.string().optional(),
  /** Validation data in any format (a YOLO data.yaml: its val split); default: `val` of the
   * training images held out. */
  valData: z.string().optional(),
  /** Fraction of the training images held out for validation when there is no valData. */
  val: z.number().min(0).max(0.9).default(0.1),
  /** Data evaluated after training (any format; a YOLO data.yaml: its test split); default:
   * the validation images. */
  testData: z.string().optional(),
  backbone: z.string().default('mobilenet_v2'),
  /** finetune: pretrained backbone; scratch: the same network randomly initialized. */
  strategy: z.enum(['finetune', 'scratch']).default('finetune'),
  /** Square input size, a multiple of 32. */
  imageSize: z.number().int().positive().default(256),
  epochs: z.number().int().positive().default(12),
  batch: z.number().int().positive().default(16),
  /** AdamW base lr; the backbone trains at lr × backboneLrMult when pretrained. */
  lr: z.number().positive().default(1e-3),
  /**
   * 1: detectors fine-tune the whole network at one lr (FCOS, detectron2); digits on photos are
   * far from the pretraining images. bench/detect, 4 epochs: AP50 0.088 at 1 vs 0.066 at 0.1.
   */
  backboneLrMult: z.number().positive().max(1).default(1),
  weightDecay: z.number().nonnegative().default(1e-4),
  schedule: z.enum(['cosine', 'step', 'onecycle', 'constant']).default('cosine'),
  /** Clip gradients to this global L2 norm; 0 turns clipping off. */
  clipNorm: z.number().nonnegative().default(10),
  /** finetune: only the FPN and head train; the backbone stays as pretrained. */
  freezeBackbone: z.boolean().default(false),
  /** finetune: BatchNorms keep their pretrained statistics (inference mode), as detectors do. */
  freezeBn: z.boolean().default(true),
  bnMomentum: z.number().min(0).max(1).default(0.9),
  /** FPN and head tower width, and 3×3 convs per tower. */
  channels: z.number().int().positive().default(64),
  towerDepth: z.number().int().nonnegative().default(2),
  /** Random scale range of the scale-and-crop augmentation (relative to fitting the image). */
  scale: z.tuple([z.number().positive(), z.number().positive()]).default([0.6, 1.4]),
  /** Color jitter strength (brightness, contrast, saturation); 0 turns it off. */
  colorJitter: z.number().min(0).max(1).default(0.3),
  /** Validation AP after every this many epochs and at the last (0: never; the final
   * evaluation on the test data, or on the validation images without it, always runs). */
  evalEvery: z.number().int().nonnegative().default(0),
  scoreThreshold: z.number().min(0).max(1).default(0.05),
  nmsIou: z.number().gt(0).max(1).default(0.6),
  maxDetections: z.number().int().positive().default(100),
  out: z.string().default('runs/detect'),
  resume: z.boolean().default(false),
  seed: z.number().int().nonnegative().default(0),
  skipBad: z.boolean().default(false),
});

export type DetectConfig = z.infer<typeof detectConfigSchema>;
export type DetectConfigInput = z.input<typeof detectConfigSchema>;

export function resolveDetectConfig(
  ...layers: (Record<string, unknown> | undefined)[]
): DetectConfig {
  const config = parseLayers(detectConfigSchema, 'detection training', layers);
  checkDenseConfig(config);
  return config;
}
