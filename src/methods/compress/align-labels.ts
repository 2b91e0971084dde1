// A compression run's starting point: the bundle and the data seen through its label order.
// Compressed models keep the label order of the bundle they came from, so the training data's
// class indices are mapped onto it by name.
import { type LoadedBundle, loadBundle } from '../../bundle/bundle.js';
import { openSource } from '../../data/sources/open.js';
import type { DataSource, Sample } from '../../data/types.js';
import { badInput, badUsage } from '../../errors.js';
import { chooseSplits, type RunSplits } from '../classification/splits.js';
import type { FineTuneSettings } from './fine-tune-config.js';

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

/**
 * What every compression run starts from: a classification bundle (`flag` names it in errors)
 * and the run's data in that bundle's label order, split as `train` splits it.
 */
export async function openBundleAndData(
  dir: string,
  flag: string,
  settings: Pick<
    FineTuneSettings,
    'data' | 'skipBad' | 'val' | 'labelsPerClass' | 'testPerClass' | 'seed'
  >,
): Promise<{ bundle: LoadedBundle; source: DataSource; splits: RunSplits }> {
  const bundle = await loadBundle(dir);
  if (bundle.meta.task !== 'classification')
    throw badUsage(`${flag}: ${dir} is a ${bundle.meta.task} bundle, not a classifier`);
  const source = alignToLabels(
    await openSource(settings.data, { skipBad: settings.skipBad }),
    bundle.meta.labels,
    dir,
  );
  return { bundle, source, splits: chooseSplits(source, settings) };
}
