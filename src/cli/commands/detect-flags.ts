// Decoding flags shared by detect eval / predict / track: override the bundle's defaults.
import type { Command } from 'commander';
import { badUsage } from '../../errors.js';
import type { DecodeSettings } from '../../methods/detection/detect-samples.js';
import { parseInteger, parseNumber } from '../common.js';

export interface DecodeFlags {
  scoreThreshold?: number;
  nmsIou?: number;
  maxDetections?: number;
}

export function addDecodeFlags(command: Command): Command {
  return command
    .option(
      '--score-threshold <x>',
      "keep detections above this score (default: the bundle's)",
      parseNumber('--score-threshold'),
    )
    .option(
      '--nms-iou <x>',
      "class-wise NMS IoU threshold (default: the bundle's)",
      parseNumber('--nms-iou'),
    )
    .option(
      '--max-detections <n>',
      "detections per image (default: the bundle's)",
      parseInteger('--max-detections', 1),
    );
}

export function decodeOverrides(flags: DecodeFlags): Partial<DecodeSettings> {
  const o: Partial<DecodeSettings> = {};
  const s = flags.scoreThreshold;
  if (s !== undefined && !(s >= 0 && s < 1))
    throw badUsage(`--score-threshold: must be in [0, 1) (got ${s})`);
  const iou = flags.nmsIou;
  if (iou !== undefined && !(iou > 0 && iou <= 1))
    throw badUsage(`--nms-iou: must be in (0, 1] (got ${iou})`);
  if (flags.scoreThreshold !== undefined) o.scoreThreshold = flags.scoreThreshold;
  if (flags.nmsIou !== undefined) o.nmsIou = flags.nmsIou;
  if (flags.maxDetections !== undefined) o.maxDetections = flags.maxDetections;
  return o;
}
