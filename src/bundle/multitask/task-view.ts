// One task of a multi-task bundle seen as an ordinary single-task bundle: its own meta (task,
// labels, decoding settings) and a model with that task's output alone, so predict, eval,
// detect predict|eval and segment predict|eval run it unchanged (`--task NAME`). The TF.js view
// is a sub-model over the same layers (only that head's graph runs); the ONNX Runtime view runs
// the session and keeps that task's output.
import * as tf from '@tensorflow/tfjs';
import { badUsage } from '../../errors.js';
import type { BatchModel, RunnableBundle } from '../batch-model.js';
import type { BundleMeta, MultitaskTask } from '../meta.js';

/** The task names of a multi-task bundle, in output order. */
export function taskNames(meta: BundleMeta): string[] {
  return [...(meta.multitask?.tasks ?? [])].sort((a, b) => a.output - b.output).map((t) => t.name);
}

/** The refusal for a multi-task bundle given where one task is needed: it lists the names. */
export function pickTaskError(dir: string, meta: BundleMeta) {
  return badUsage(
    `${dir} is a multitask bundle (tasks: ${taskNames(meta).join(', ')}): name one with --task NAME`,
  );
}

/** The refusal for a bundle that is not a `what` (a multi-task one: pick a task, names listed). */
export function notA(bundle: Pick<RunnableBundle, 'dir' | 'meta'>, what: string) {
  const { dir, meta } = bundle;
  return meta.multitask
    ? pickTaskError(dir, meta)
    : badUsage(`${dir} is a ${meta.task} bundle, not a ${what}`);
}

/** The task called `name`, or a refusal listing the bundle's tasks. */
export function findTask(meta: BundleMeta, name: string, dir: string): MultitaskTask {
  if (!meta.multitask)
    throw badUsage(
      `--task ${name}: ${dir} is a ${meta.task} bundle; --task picks a task of a multitask bundle`,
    );
  const task = meta.multitask.tasks.find((t) => t.name === name);
  if (!task)
    throw badUsage(`--task: ${dir} has no task '${name}' (tasks: ${taskNames(meta).join(', ')})`);
  return task;
}

/** What a single-task bundle of the task's kind would say about itself. */
export function taskMeta(meta: BundleMeta, task: MultitaskTask): BundleMeta {
  const { multitask: _whole, detection: _d, segmentation: _s, multiLabel: _m, ...shared } = meta;
  return {
    ...shared,
    task: task.task,
    labels: task.labels,
    metrics: task.metrics,
    ...(task.multiLabel ? { multiLabel: true } : {}),
    ...(task.detection ? { detection: task.detection } : {}),
    ...(task.segmentation ? { segmentation: task.segmentation } : {}),
  };
}

/** The model computing output `index` of `model` only. */
export function outputModel(model: BatchModel, index: number): BatchModel {
  if (model instanceof tf.LayersModel)
    return tf.model({ inputs: model.inputs, outputs: model.outputs[index]! });
  // An export names output i `output_i` (onnx/export-model.ts); by position otherwise.
  const named = model.outputNames.indexOf(`output_${index}`);
  const at = named >= 0 ? named : index;
  return {
    inputName: model.inputName,
    outputNames: [model.outputNames[at]!],
    async run(data, shape) {
      const outputs = await model.run(data, shape);
      return [outputs[at]!];
    },
    release: () => model.release(),
  };
}

/**
 * Task `name` of the multi-task bundle `bundle`, as a single-task bundle. Closing the view
 * (closeBundle) frees the whole model: the view owns it.
 */
export function taskView(bundle: RunnableBundle, name: string): RunnableBundle {
  const task = findTask(bundle.meta, name, bundle.dir);
  return {
    ...bundle,
    meta: taskMeta(bundle.meta, task),
    model: outputModel(bundle.model, task.output),
    owner: bundle.owner ?? bundle.model,
    task: name,
  };
}
