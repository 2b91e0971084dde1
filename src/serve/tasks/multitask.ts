// A multi-task bundle served: each image letterboxed once as it arrives (prepareJoint), then one
// forward pass per batch for every task (runJoint); the answer has one entry per task, each as
// that task's single-task route answers it (classes, boxes, mask).

import type { RunnableBundle } from '../../bundle/batch-model.js';
import { MULTI_LABEL_THRESHOLD } from '../../bundle/classify-output.js';
import {
  type JointInput,
  jointTasks,
  prepareJoint,
  runJoint,
  type TaskResult,
} from '../../bundle/multitask/joint-pass.js';
import { sharpDecoder } from '../../data/decode-sharp.js';
import { decodeForPrediction } from '../../data/detection/loader.js';
import { classesAnswer } from './classify.js';
import { boxesAnswer } from './detect.js';
import { maskAnswer } from './segment.js';
import type { TaskRunner } from './types.js';

interface Item {
  input: JointInput;
  top: number;
}

function answer(
  result: TaskResult,
  item: Item,
): Promise<Record<string, unknown>> | Record<string, unknown> {
  switch (result.kind) {
    case 'classification':
      return classesAnswer(result.classified, item.top);
    case 'detection':
      return boxesAnswer(result.boxes, result.categories, item.input.size);
    case 'segmentation':
      return maskAnswer(result.mask, 'resize', result.shares);
  }
}

export function multitasker(bundle: RunnableBundle): TaskRunner<Item> {
  const tasks = jointTasks(bundle);
  return {
    bundle,
    describe: () => ({
      output: 'one entry per task under "tasks", each as its single-task route answers',
      tasks: tasks.map((t) => ({
        name: t.name,
        task: t.task,
        ...(t.multiLabel ? { multiLabel: true, threshold: MULTI_LABEL_THRESHOLD } : {}),
        labels: t.labels,
        metrics: t.metrics,
        ...(t.detection ? { detection: t.detection } : {}),
      })),
    }),
    async prepare(bytes, id, params) {
      const image = await decodeForPrediction(sharpDecoder(), id, bytes);
      return { input: prepareJoint(bundle.meta, image), top: params.top };
    },
    async run(items) {
      const results = await runJoint(
        bundle,
        items.map((i) => i.input),
        { topK: Math.max(...items.map((i) => i.top)) },
      );
      return Promise.all(
        results.map(async (byTask, k) => ({
          tasks: Object.fromEntries(
            await Promise.all(
              Object.entries(byTask).map(async ([name, r]) => [name, await answer(r, items[k]!)]),
            ),
          ),
        })),
      );
    },
  };
}
