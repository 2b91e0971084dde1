// Reading a bundle description that is already in memory, wherever it came from (a file in Node,
// a fetch in the browser): the format-version check, the zod schema, and the check that a loaded
// model matches it. Platform-free; `where` names the file or URL in every error.
import type * as tf from '@tensorflow/tfjs';
import { badInput } from '../errors.js';
import { BUNDLE_FORMAT_VERSION, type BundleMeta, bundleMetaSchema, META_FILE } from './meta.js';

/** `raw` (parsed JSON) validated as visiontune.json; badInput naming `where` and the fields. */
export function parseBundleMeta(raw: unknown, where: string): BundleMeta {
  const version = (raw as { formatVersion?: unknown } | null)?.formatVersion;
  if (typeof version === 'number' && version > BUNDLE_FORMAT_VERSION) {
    throw badInput(
      `${where} has format version ${version}; this visiontune reads up to ${BUNDLE_FORMAT_VERSION}. Upgrade visiontune.`,
    );
  }
  const parsed = bundleMetaSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${i.path.join('.') || '(root)'}: ${i.message}`,
    );
    throw badInput(`${where} is not a valid bundle description`, problems);
  }
  return parsed.data;
}

/** Refuses a model whose class count differs from the labels (`where`: the bundle's place); for
 * a multi-task bundle, each task's output against that task's labels. */
export function checkModelMatchesMeta(model: tf.LayersModel, meta: BundleMeta, where: string) {
  if (!meta.multitask) {
    checkOutput(model.outputs[0]!.shape, meta.task, meta.labels.length, where, META_FILE);
    return;
  }
  const { tasks } = meta.multitask;
  if (model.outputs.length !== tasks.length)
    throw badInput(
      `${where}: the model has ${model.outputs.length} outputs but ${META_FILE} describes ${tasks.length} tasks (${tasks.map((t) => t.name).join(', ')})`,
    );
  for (const t of tasks) {
    const shape = model.outputs[t.output]!.shape;
    checkOutput(shape, t.task, t.labels.length, where, `task ${t.name} (output ${t.output})`);
    // A detection output is [batch, locations, classes + 5] (heads/detection/layout.ts).
    if (t.task === 'detection' && shape[shape.length - 1] !== t.labels.length + 5)
      throw badInput(
        `${where}: task ${t.name} (output ${t.output}) has ${shape[shape.length - 1]} channels per location; ${t.labels.length} classes need ${t.labels.length + 5}`,
      );
  }
}

function checkOutput(
  shape: (number | null)[],
  task: string,
  labels: number,
  where: string,
  described: string,
) {
  const perClass = task === 'classification' || task === 'segmentation';
  if (perClass && shape[shape.length - 1] !== labels) {
    throw badInput(
      `${where}: model outputs ${shape[shape.length - 1]} classes but ${described} lists ${labels} labels`,
    );
  }
}
