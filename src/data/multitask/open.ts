// A multi-task run's data: every task opened on its own (open-task.ts), then merged by image.
// Training images exclude every image any task validates or tests on — an image held out by one
// task never trains the shared backbone through another task's labels — and the labels that drops
// are counted per task. Validation merges each task's validation labels (so one pass scores every
// task on shared images); evaluation does the same with each task's test data, else its val.
import { badInput } from '../../errors.js';
import { type TaskDataInput, taskDataSchema } from './config.js';
import { mergeByImage } from './merge.js';
import { type OpenTaskOptions, openTaskData, type TaskData } from './open-task.js';
import type { MultiTaskSample, TaskShape } from './types.js';

export interface MultiTaskData {
  tasks: TaskData[];
  /** Training images, each with the labels of every task that trains on it. */
  train: MultiTaskSample[];
  /** Validation images, each with the validation labels of every task holding it out. */
  val: MultiTaskSample[];
  /** Images of the final evaluation: each task's test data, or its validation images. */
  evaluation: MultiTaskSample[];
  /** Per task: training labels left out because another task validates or tests on the image. */
  heldOutElsewhere: Record<string, number>;
  /** Repeated labels of one image in one task, left out under skipBad. */
  duplicates: string[];
}

export async function openMultiTaskData(
  specs: readonly TaskDataInput[],
  options: OpenTaskOptions,
): Promise<MultiTaskData> {
  if (specs.length === 0) throw badInput('a multi-task run needs at least one task');
  const parsed = specs.map((spec, i) => {
    const result = taskDataSchema.safeParse(spec);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      throw badInput(
        `task ${i + 1}${typeof spec?.name === 'string' ? ` (${spec.name})` : ''}: ${issue.path.join('.') || 'entry'}: ${issue.message}`,
      );
    }
    return result.data;
  });
  const names = new Set<string>();
  for (const { name } of parsed) {
    if (names.has(name)) throw badInput(`task name '${name}' is used twice`);
    names.add(name);
  }
  const tasks: TaskData[] = [];
  for (const spec of parsed) tasks.push(await openTaskData(spec, options));

  const evalKeys = new Set(
    tasks.flatMap((t) => [...t.val, ...(t.test ?? [])].map((item) => item.key)),
  );
  const heldOutElsewhere: Record<string, number> = {};
  const trainItems = tasks.map((t) => {
    const items = t.train.filter((item) => !evalKeys.has(item.key));
    heldOutElsewhere[t.name] = t.train.length - items.length;
    if (items.length === 0)
      throw badInput(
        `task ${t.name}: every training image is validated or tested on by a task, none is left to train on`,
      );
    return { name: t.name, items };
  });
  const train = mergeByImage(trainItems, options.skipBad);
  const val = mergeByImage(
    tasks.map((t) => ({ name: t.name, items: t.val })),
    options.skipBad,
  );
  const evaluation = mergeByImage(
    tasks.map((t) => ({ name: t.name, items: t.test ?? t.val })),
    options.skipBad,
  );
  return {
    tasks,
    train: train.samples,
    val: val.samples,
    evaluation: evaluation.samples,
    heldOutElsewhere,
    duplicates: [...new Set([...train.duplicates, ...val.duplicates, ...evaluation.duplicates])],
  };
}

/** What the loader needs of each task. */
export function taskShapes(tasks: readonly TaskData[]): TaskShape[] {
  return tasks.map((t) => ({
    name: t.name,
    kind: t.kind,
    classes: t.classes,
    ...(t.ignoreIndex !== undefined ? { ignoreIndex: t.ignoreIndex } : {}),
  }));
}
