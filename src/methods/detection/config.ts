// The run configuration of `visiontune detect train` / `trainDetector(config)`: one zod schema,
// merged with the same precedence as classification: defaults < config file < flags < arguments.
import { z } from 'zod';
import { overridesOf } from '../../config/bundle-overrides.js';
import { opt } from '../../config/options.js';
import type { ConfigLayer } from '../../util/merge-layers.js';
import { denseConfigFields, parseDenseConfig } from '../dense-config.js';

/**
 * How raw head outputs become boxes, declared once: training saves these in the bundle;
 * eval, predict and track override the bundle's values with the same fields.
 */
export const decodeFields = {
  scoreThreshold: opt(z.number().min(0).lt(1).default(0.05), 'keep detections above this score', {
    arg: 'x',
  }),
  nmsIou: opt(z.number().gt(0).max(1).default(0.6), 'class-wise NMS IoU threshold', { arg: 'x' }),
  maxDetections: opt(z.number().int().positive().default(100), 'detections per image'),
};

/** The decode settings as optional overrides of a bundle's. */
export const decodeOverrideFields = overridesOf(decodeFields);

export const detectConfigSchema = z.object({
  ...denseConfigFields({
    help: {
      data: 'training boxes: COCO .json, YOLO data.yaml, or a VOC folder',
      valData:
        'validation boxes in any format; a YOLO data.yaml: its val split (default: hold out --val)',
      testData:
        'boxes to evaluate on after training; a YOLO data.yaml: its test split (default: validation)',
      head: 'FPN and head',
      metric: 'AP',
      skipBad: 'bad boxes and unreadable images',
    },
    defaults: {
      imageSize: 256,
      epochs: 12,
      batch: 16,
      // Detectors keep BatchNorm at its pretrained statistics.
      freezeBn: true,
      scale: [0.6, 1.4],
      evalEvery: 0,
      out: 'runs/detect',
    },
  }),
  /** 3×3 convs per head tower (the FPN and towers are `channels` wide). */
  towerDepth: opt(z.number().int().nonnegative().default(2), '3x3 convs per head tower'),
  ...decodeFields,
});

export type DetectConfig = z.infer<typeof detectConfigSchema>;
export type DetectConfigInput = z.input<typeof detectConfigSchema>;

export function resolveDetectConfig(...layers: ConfigLayer[]): DetectConfig {
  return parseDenseConfig(detectConfigSchema, 'detection training', layers);
}
