// The shapes of multi-task data: task names and kinds, one image's labels for each task that
// labels it, and the training batch that carries every task's targets with a presence mask (an
// image a task does not label contributes nothing to that task's loss).
import type * as tf from '@tensorflow/tfjs';
import type { BoxAnnotation, DetectionSample } from '../detection/types.js';
import type { Letterbox } from '../joint/augment.js';
import type { MaskSource } from '../segmentation/sample-mask.js';
import type { SegmentationSample } from '../segmentation/types.js';
import type { DecodedImage, Sample } from '../types.js';

/** Task names become layer-name prefixes and JSON keys. */
export const TASK_NAME = /^[a-z][a-z0-9_]{0,31}$/;

export const TASK_KINDS = ['classification', 'multilabel', 'detection', 'segmentation'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

/** One image's label for one task, with what reading it needs (a mask's file format). */
export type TaskLabel =
  | { kind: 'classification'; class: number; sample: Sample }
  | { kind: 'multilabel'; classes: number[] }
  | { kind: 'detection'; sample: DetectionSample }
  | { kind: 'segmentation'; sample: SegmentationSample; source: MaskSource };

/** One labelled image of one task, as its data set gives it. */
export interface TaskItem {
  /** The image as the data set names it (a path, or `name:index` for built-in data sets). */
  id: string;
  /** Decodes the image at full size. */
  read(): Promise<DecodedImage>;
  /** The merge key: the file's real path, or the id of an in-memory image (built-in data sets). */
  key: string;
  label: TaskLabel;
}

/** One image with the labels of every task that labels it. */
export interface MultiTaskSample {
  /** The image as the first task that labels it names it; used in every error message. */
  id: string;
  /** The merge key: the file's real path, or the id of an in-memory image. */
  key: string;
  read(): Promise<DecodedImage>;
  /** Labels by task name; a task that does not label this image is absent. */
  labels: Readonly<Record<string, TaskLabel>>;
}

/** A task's targets for one batch of B images; `present[i]` is 0 where image i has no label. */
export interface TaskTargets {
  present: Float32Array;
  /** classification: class index per image, -1 where absent. */
  classes?: Int32Array;
  /** multilabel: B × C, 1 for each class present (all 0 where absent). */
  multi?: Float32Array;
  /** detection: each image's boxes on the network input ([] where absent). */
  boxes?: BoxAnnotation[][];
  /** segmentation: B × S × S class per pixel, row-major; the ignore index where absent. */
  masks?: Int32Array;
}

/** A training or evaluation batch of multi-task data; the loop's TrainBatch with targets. */
export interface MultiTaskBatch {
  /** [B, S, S, 3], normalized with the backbone's mean and std. */
  x: tf.Tensor4D;
  /** The loop's batch shape; unused (zeros). */
  labels: Int32Array;
  samples: MultiTaskSample[];
  targets: Record<string, TaskTargets>;
  /** Per image: how input pixels map back to the decoded image (identity after augmentation). */
  letterboxes: Letterbox[];
  /** Per image: the decoded image's size. */
  sizes: { width: number; height: number }[];
}

/** What a batch needs to know of a task to fill its targets. */
export interface TaskShape {
  name: string;
  kind: TaskKind;
  classes: readonly string[];
  /** segmentation: the label of pixels no loss counts (absent masks, padding). */
  ignoreIndex?: number;
}
