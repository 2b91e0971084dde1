// Task items merged into images: items with the same key (the image's real path) become one
// sample carrying every task's label, so an image labelled by several tasks is decoded and
// augmented once and feeds all of them. Samples come in order of first appearance (tasks in
// order). A task labelling the same image twice is bad input naming the image and both entries,
// unless skipBad, which keeps the first.
import { badInput } from '../../errors.js';
import type { MultiTaskSample, TaskItem, TaskLabel } from './types.js';

export interface MergeResult {
  samples: MultiTaskSample[];
  /** `image: reason` for each repeated label left out under skipBad. */
  duplicates: string[];
}

export function mergeByImage(
  tasks: readonly { name: string; items: readonly TaskItem[] }[],
  skipBad = false,
): MergeResult {
  const byKey = new Map<string, { sample: MultiTaskSample; labels: Record<string, TaskLabel> }>();
  const firstId = new Map<string, string>();
  const duplicates: string[] = [];
  for (const task of tasks) {
    for (const item of task.items) {
      let entry = byKey.get(item.key);
      if (!entry) {
        const labels: Record<string, TaskLabel> = {};
        entry = { sample: { id: item.id, key: item.key, read: item.read, labels }, labels };
        byKey.set(item.key, entry);
      }
      const seen = `${task.name}\u0000${item.key}`;
      if (entry.labels[task.name]) {
        const line = `${item.id}: labelled twice by task ${task.name} (also as ${firstId.get(seen)})`;
        if (!skipBad) throw badInput(`task ${task.name}: an image is labelled twice`, [line]);
        duplicates.push(line);
        continue;
      }
      entry.labels[task.name] = item.label;
      firstId.set(seen, item.id);
    }
  }
  return { samples: [...byKey.values()].map((e) => e.sample), duplicates };
}
