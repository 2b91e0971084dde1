// Accuracy before and after a compression step: both bundles evaluated on the same labelled
// images, one at a time so only one model is in memory.
import { type LoadedBundle, loadBundle } from '../../../bundle/bundle.js';
import { type EvaluateOptions, evaluateBundle } from '../../../bundle/evaluate.js';
import type { DataSource, Sample } from '../../../data/types.js';

export interface AccuracyChange {
  before: number;
  after: number;
  /** after − before: negative when the compressed bundle is worse. */
  difference: number;
  /** Images both were scored on. */
  samples: number;
}

async function accuracyOf(
  bundle: string | LoadedBundle,
  source: DataSource,
  samples: readonly Sample[],
  options: EvaluateOptions,
): Promise<number> {
  const loaded = typeof bundle === 'string' ? await loadBundle(bundle) : bundle;
  try {
    return (await evaluateBundle(loaded, source, samples, options)).accuracy;
  } finally {
    // A bundle we loaded is ours to free; one passed in stays the caller's.
    if (typeof bundle === 'string') loaded.model.dispose();
  }
}

/** Accuracy of `before` and `after` (folders or loaded bundles) on `samples` of `source`. */
export async function compareAccuracy(
  before: string | LoadedBundle,
  after: string | LoadedBundle,
  source: DataSource,
  samples: readonly Sample[],
  options: EvaluateOptions = {},
): Promise<AccuracyChange> {
  const a = await accuracyOf(before, source, samples, options);
  const b = await accuracyOf(after, source, samples, options);
  return { before: a, after: b, difference: b - a, samples: samples.length };
}
