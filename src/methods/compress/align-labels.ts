// A data source seen through a model's label order: compressed models keep the label order of the
// bundle they came from, so the training data's class indices are mapped onto it by name.
import type { DataSource, Sample } from '../../data/types.js';
import { badInput } from '../../errors.js';

export function alignToLabels(
  source: DataSource,
  labels: readonly string[],
  modelName: string,
): DataSource {
  const index = new Map(labels.map((l, i) => [l, i]));
  const unknown = source.classes.filter((c) => !index.has(c));
  if (unknown.length > 0) {
    throw badInput(`${source.name} has classes the model ${modelName} was not trained on`, [
      `unknown: ${unknown.join(', ')}`,
      `model labels: ${labels.join(', ')}`,
    ]);
  }
  if (source.classes.every((c, i) => labels[i] === c) && labels.length === source.classes.length)
    return source;
  const toModel = source.classes.map((c) => index.get(c) as number);
  const remap = (samples: Sample[] | undefined) =>
    samples?.map((s) => ({ ...s, label: s.label < 0 ? s.label : toModel[s.label] }));
  return {
    ...source,
    classes: [...labels],
    splits: {
      train: remap(source.splits.train),
      val: remap(source.splits.val),
      test: remap(source.splits.test),
    },
    read: (sample, hint) => source.read(sample, hint),
    contentKey: source.contentKey && ((sample) => source.contentKey!(sample)),
  };
}
