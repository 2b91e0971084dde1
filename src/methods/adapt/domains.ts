// The three data sets of an adaptation run, opened and checked together: the labelled source
// (split into train and validation), the unlabelled target (split into train and a held-out part
// for unsupervised selection and diagnostics), and the optional labelled target test set, whose
// labels are remapped to the source's class indices and used for the final evaluation only.
import { IMAGE_EXTENSIONS } from '../../data/decode.js';
import { openFiles } from '../../data/sources/files.js';
import { openSource } from '../../data/sources/open.js';
import type { DataSource, Sample } from '../../data/types.js';
import { badInput } from '../../errors.js';
import { Rng } from '../../util/rng.js';
import { chooseSplits, takePerClass } from '../classification/splits.js';
import type { AdaptConfig } from './config.js';

export interface Domains {
  source: DataSource;
  sourceTrain: Sample[];
  sourceVal: Sample[];
  target: DataSource;
  targetTrain: Sample[];
  /** Held-out unlabelled target images: selection by entropy, proxy A-distance, scatter. */
  targetVal: Sample[];
  targetTest?: { source: DataSource; samples: Sample[] };
}

type DomainOptions = Pick<
  AdaptConfig,
  'source' | 'target' | 'targetTest' | 'val' | 'targetVal' | 'testPerClass' | 'seed' | 'skipBad'
>;

export async function openDomains(config: DomainOptions): Promise<Domains> {
  const source = await openSource(config.source, { skipBad: config.skipBad });
  if (source.classes.length < 2) {
    throw badInput(
      `${source.name}: the source has ${source.classes.length} class${source.classes.length === 1 ? '' : 'es'} (${source.classes.join(', ') || 'none'}); adaptation trains a classifier and needs at least 2`,
    );
  }
  const { train: sourceTrain, val: sourceVal } = chooseSplits(source, config);

  const target = await openFiles([config.target], { skipBad: config.skipBad });
  const targetAll = target.splits.test ?? [];
  if (targetAll.length === 0) {
    throw badInput(`${config.target}: the target has no readable images`, [
      `${config.target}: expected image files (${[...IMAGE_EXTENSIONS].join(' ')}) in the folder or below it`,
    ]);
  }
  const shuffled = new Rng(config.seed).fork('target-val').shuffle([...targetAll]);
  const held = Math.min(targetAll.length - 1, Math.round(targetAll.length * config.targetVal));
  const targetVal = shuffled.slice(0, held);
  const targetTrain = shuffled.slice(held);

  let targetTest: Domains['targetTest'];
  if (config.targetTest) {
    // Opened with the source's label set: a class the source does not know is bad input.
    const test = await openSource(config.targetTest, {
      skipBad: config.skipBad,
      labels: source.classes,
    });
    let samples = test.splits.test ?? test.splits.train ?? [];
    if (samples.length === 0) throw badInput(`${config.targetTest}: no labelled test images`);
    if (config.testPerClass !== undefined)
      samples = takePerClass(samples, config.testPerClass, config.seed + 2);
    targetTest = { source: test, samples };
  }
  return { source, sourceTrain, sourceVal, target, targetTrain, targetVal, targetTest };
}
