// Every task of a multi-task bundle from ONE forward pass per batch. Each image is letterboxed to
// the input size (aspect kept, gray padding: the detector's input, data/detection/
// letterbox-input.ts), the batch runs once, and each output is read as its task's single-task code
// reads it: classification top-k (softmax, or sigmoid and a threshold when multi-label); detection
// boxes decoded and mapped back through the letterbox (found-boxes.ts); segmentation logits of the
// letterbox's image region resized back and arg-maxed (segment-image.ts regionLabels). On a square
// image the three tasks' own preprocessings agree with this one (a classifier's with cropPct 1),
// so the answers equal the task views'; on others the classification and segmentation views
// (center crop; top-left padding) see a slightly different input than the joint pass.
import * as tf from '@tensorflow/tfjs';
import type { Letterbox } from '../../data/detection/augment.js';
import type { ImageSize } from '../../data/detection/image-size.js';
import { letterboxInto } from '../../data/detection/letterbox-input.js';
import type { LabelMap } from '../../data/segmentation/types.js';
import { normalizeTable } from '../../data/transforms/normalize.js';
import type { DecodedImage } from '../../data/types.js';
import { badUsage } from '../../errors.js';
import { detectorOf } from '../../methods/detection/bundle-detector.js';
import {
  boxesInImage,
  type FoundBox,
  outputsPerImage,
} from '../../methods/detection/found-boxes.js';
import { segmenterOf } from '../../methods/segmentation/bundle-segmenter.js';
import { classShares, regionLabels } from '../../methods/segmentation/segment-image.js';
import { enlargeMask, workingHint } from '../../methods/segmentation/working-size.js';
import type { RunnableBundle } from '../batch-model.js';
import type { BundleMeta, MultitaskTask } from '../meta.js';
import { type Classified, classifyLogits } from '../predict.js';
import { predictAll } from '../predict-batch.js';
import { taskMeta } from './task-view.js';

/** One image ready for the joint pass: its letterboxed input and how to map results back. */
export interface JointInput {
  input: Float32Array;
  letterbox: Letterbox;
  size: ImageSize;
}

export type TaskResult =
  | { kind: 'classification'; classified: Classified }
  | { kind: 'detection'; boxes: FoundBox[]; categories: string[] }
  | { kind: 'segmentation'; mask: LabelMap; shares: Record<string, number> };

export interface JointOptions {
  /** Classes per image for classification tasks (default 5). */
  topK?: number;
  /** Multi-label tasks: the probability at or above which a class is present. */
  threshold?: number;
}

/** The tasks of a multi-task bundle, in output order; refused for any other bundle. */
export function jointTasks(bundle: Pick<RunnableBundle, 'dir' | 'meta'>): MultitaskTask[] {
  if (!bundle.meta.multitask)
    throw badUsage(`${bundle.dir} is a ${bundle.meta.task} bundle, not a multitask bundle`);
  return [...bundle.meta.multitask.tasks].sort((a, b) => a.output - b.output);
}

/** `image` letterboxed and normalized as the joint pass feeds it. */
export function prepareJoint(meta: BundleMeta, image: DecodedImage): JointInput {
  const size = meta.preprocessing.inputSize;
  const input = new Float32Array(size * size * 3);
  const { letterbox } = letterboxInto(
    { image, boxes: [] },
    size,
    normalizeTable(meta.preprocessing),
    input,
    0,
  );
  return { input, letterbox, size: { width: image.width, height: image.height } };
}

/** The size a label map is computed at before it is enlarged (segmentation/working-size.ts). */
function workingSize(size: ImageSize, classes: number): ImageSize {
  const hint = workingHint(size, classes);
  if (!hint) return size;
  const scale = hint.size / Math.min(size.width, size.height);
  return {
    width: Math.max(1, Math.round(size.width * scale)),
    height: Math.max(1, Math.round(size.height * scale)),
  };
}

async function segmentationResult(
  logits: tf.Tensor,
  k: number,
  item: JointInput,
  labels: string[],
): Promise<TaskResult> {
  const { letterbox: l, size } = item;
  const region = {
    x: l.padX,
    y: l.padY,
    width: Math.max(1, Math.round(size.width * l.scaleX)),
    height: Math.max(1, Math.round(size.height * l.scaleY)),
  };
  const working = await regionLabels(logits, k, region, workingSize(size, labels.length));
  const mask = await enlargeMask(working, size);
  return { kind: 'segmentation', mask, shares: classShares(mask, labels) };
}

/** One forward pass over `items`; per image, every task's result keyed by task name. */
export async function runJoint(
  bundle: RunnableBundle,
  items: readonly JointInput[],
  options: JointOptions = {},
): Promise<Record<string, TaskResult>[]> {
  const tasks = jointTasks(bundle);
  const s = bundle.meta.preprocessing.inputSize;
  const x = tf.tensor4d(stackInputs(items), [items.length, s, s, 3]);
  const outputs = await predictAll(bundle.model, x).finally(() => x.dispose());
  try {
    if (outputs.length !== tasks.length)
      throw badUsage(
        `${bundle.dir}: the model gave ${outputs.length} outputs for ${tasks.length} tasks`,
      );
    const results: Record<string, TaskResult>[] = items.map(() => ({}));
    for (const task of tasks) {
      const output = outputs[task.output]!;
      const view = { ...bundle, meta: taskMeta(bundle.meta, task) };
      if (task.task === 'classification') {
        const classified = await classifyLogits(
          output,
          view.meta,
          options.topK ?? 5,
          options.threshold,
        );
        classified.forEach((c, k) => {
          results[k]![task.name] = { kind: 'classification', classified: c };
        });
      } else if (task.task === 'detection') {
        const d = detectorOf(view);
        const data = (await output.data()) as Float32Array;
        const stride = outputsPerImage(d.layout, data.length, items.length);
        items.forEach((item, k) => {
          const boxes = boxesInImage(
            data.subarray(k * stride, (k + 1) * stride),
            d.layout,
            d.decode,
            item.letterbox,
            item.size,
          );
          results[k]![task.name] = { kind: 'detection', boxes, categories: d.categories };
        });
      } else {
        const { classes } = segmenterOf(view);
        for (const [k, item] of items.entries())
          results[k]![task.name] = await segmentationResult(output, k, item, classes);
      }
    }
    return results;
  } finally {
    tf.dispose(outputs);
  }
}

function stackInputs(items: readonly JointInput[]): Float32Array {
  const per = items[0]?.input.length ?? 0;
  const out = new Float32Array(items.length * per);
  items.forEach((item, i) => {
    out.set(item.input, i * per);
  });
  return out;
}
