// A batch's per-task targets from its images' prepared labels: for each task a presence mask and
// the arrays its loss reads, with neutral values where an image has no label for the task (class
// -1, no positives, no boxes, the ignore index everywhere), so a loss that forgets the mask still
// learns nothing from them.
import type { BoxAnnotation } from '../detection/types.js';
import { DEFAULT_IGNORE_INDEX } from '../segmentation/types.js';
import type { MultiTaskSample, TaskShape, TaskTargets } from './types.js';

/** One image after geometry: its labels' pixel-space parts on the network input, by task. */
export interface PreparedLabels {
  sample: MultiTaskSample;
  boxes: Record<string, BoxAnnotation[]>;
  /** Label maps of size × size, by task. */
  masks: Record<string, Uint8Array>;
}

export function buildTargets(
  tasks: readonly TaskShape[],
  images: readonly PreparedLabels[],
  size: number,
): Record<string, TaskTargets> {
  const n = images.length;
  const area = size * size;
  const targets: Record<string, TaskTargets> = {};
  for (const task of tasks) {
    const present = new Float32Array(n);
    images.forEach((im, i) => {
      present[i] = im.sample.labels[task.name] ? 1 : 0;
    });
    const t: TaskTargets = { present };
    const C = task.classes.length;
    if (task.kind === 'classification') {
      t.classes = Int32Array.from(images, (im) => {
        const label = im.sample.labels[task.name];
        return label?.kind === 'classification' ? label.class : -1;
      });
    } else if (task.kind === 'multilabel') {
      t.multi = new Float32Array(n * C);
      images.forEach((im, i) => {
        const label = im.sample.labels[task.name];
        if (label?.kind === 'multilabel') for (const c of label.classes) t.multi![i * C + c] = 1;
      });
    } else if (task.kind === 'detection') {
      t.boxes = images.map((im) => im.boxes[task.name] ?? []);
    } else {
      t.masks = new Int32Array(n * area).fill(task.ignoreIndex ?? DEFAULT_IGNORE_INDEX);
      images.forEach((im, i) => {
        const mask = im.masks[task.name];
        if (mask) t.masks!.set(mask, i * area);
      });
    }
    targets[task.name] = t;
  }
  return targets;
}
