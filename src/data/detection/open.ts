// One entry point for every detection format, chosen from the path: a .json file is COCO, a
// .yaml/.yml file is a YOLO data.yaml, a folder with Annotations/ is Pascal VOC.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { badInput } from '../../errors.js';
import { openCoco } from './coco.js';
import type { DetectionDataset } from './types.js';
import { openVoc } from './voc.js';
import { openYolo } from './yolo.js';

export interface OpenDetectionOptions {
  /** COCO: the images folder (default: the annotation file's folder). */
  images?: string;
  /** YOLO: which split of data.yaml (default train). */
  split?: 'train' | 'val' | 'test';
  /** VOC: the class list, in order (default: the names found, sorted). */
  classes?: string[];
  skipBad?: boolean;
}

export async function openDetectionData(
  location: string,
  options: OpenDetectionOptions = {},
): Promise<DetectionDataset> {
  const ext = path.extname(location).toLowerCase();
  if (ext === '.json') return openCoco(location, options);
  if (ext === '.yaml' || ext === '.yml') return openYolo(location, options);
  const stat = await fs.stat(location).catch(() => undefined);
  if (stat?.isDirectory()) return openVoc(location, options);
  throw badInput(
    `${location}: ${stat ? 'not a detection data set' : 'not found'} (expected a COCO .json, a YOLO data.yaml, or a Pascal VOC folder with Annotations/)`,
  );
}
