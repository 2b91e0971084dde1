// A PEFT run's delta stored in half precision (`deltaDtype: float16`, bundle/delta/save-delta.ts):
// the trained delta bundle loaded and saved again as a float16 delta on the same base, then scored
// with the `eval` command's evaluateBundle on the set's test images: what the smaller bundle
// really gives. (Scored the same way, the float32 delta gives the run's own accuracy: checked on
// fashion-mnist-k50 adapter seed 0, 0.788 both.)

import { closeBundle, openBundle } from '../../src/bundle/batch-model.js';
import { loadBundle } from '../../src/bundle/bundle.js';
import { evaluateBundle } from '../../src/bundle/evaluate.js';
import { saveBundle } from '../../src/bundle/save.js';
import { openSource, pickSplit } from '../../src/data/index.js';
import { bundleBytes } from './bytes.js';

/** The float16 copy of a PEFT method, as a method of its own in the summary, table and plot. */
export const HALF_SUFFIX = '-fp16';

export interface HalfPrecisionDelta {
  /** Weight files of the float16 delta. */
  storedBytes: number;
  storedFolderBytes: number;
  /** Test accuracy of the float16 delta. */
  accuracy: number;
}

async function testAccuracy(bundleDir: string, data: string): Promise<number> {
  // TF.js, as the run's own evaluation.
  const bundle = await openBundle(bundleDir, { engine: 'tfjs' });
  try {
    const source = await openSource(data);
    const metrics = await evaluateBundle(bundle, source, pickSplit(source.splits, 'test'));
    return metrics.accuracy;
  } finally {
    await closeBundle(bundle);
  }
}

export async function halfPrecisionDelta(
  deltaDir: string,
  outDir: string,
  data: string,
): Promise<HalfPrecisionDelta> {
  const { model, meta } = await loadBundle(deltaDir);
  try {
    if (!meta.delta) throw new Error(`${deltaDir}: not a delta bundle`);
    const { weightsSha256: _sha, ...base } = meta.delta.base;
    // saveBundle stamps its own version and date over the loaded ones.
    await saveBundle(outDir, model, meta, { delta: { base, dtype: 'float16' }, overwrite: true });
  } finally {
    model.dispose();
  }
  const bytes = await bundleBytes(outDir);
  return {
    storedBytes: bytes.weights,
    storedFolderBytes: bytes.folder,
    accuracy: await testAccuracy(outDir, data),
  };
}
