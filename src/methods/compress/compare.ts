// Comparing bundles side by side, for choosing how light a model can go: per bundle its
// parameters and kernel sparsity, bytes on disk and storage dtype, throughput on the current
// backend, and accuracy / macro F1 on one shared set of labelled images. Bundles are loaded,
// measured and disposed one at a time, so comparing many big models needs memory for one.
import { promises as fs } from 'node:fs';
import { loadBundle, readBundleMeta } from '../../bundle/bundle.js';
import { evaluateBundle } from '../../bundle/evaluate.js';
import type { BundleMeta, CompressionStep } from '../../bundle/meta.js';
import type { DataSource, Sample } from '../../data/types.js';
import { badInput, badUsage } from '../../errors.js';
import { bundleNames, describeCompression } from './compare-format.js';
import {
  bundleDiskBytes,
  countParams,
  measureThroughput,
  type ParamCounts,
  type Throughput,
  weightStorageDtype,
} from './compare-measure.js';

export { pickSplit, resolveSplit } from '../../data/split.js';
export {
  bundleDiskBytes,
  countParams,
  type DiskBytes,
  measureThroughput,
  median,
  type ParamCounts,
  type Throughput,
  type ThroughputOptions,
  weightStorageDtype,
} from './compare-measure.js';
export { limitPerClass } from './compare-samples.js';

export interface CompareRow extends ParamCounts {
  /** The bundle folder as given. */
  bundle: string;
  /** Short unique name for tables and chart labels (the folder name). */
  name: string;
  backbone: string;
  inputSize: number;
  /** Every file in the bundle folder. */
  diskBytes: number;
  /** The weight files alone. */
  weightsBytes: number;
  /** `float32`, or the quantization dtype (`uint8`, `uint16`, `float16`), or a mix. */
  weightDtype: string;
  throughput: Throughput;
  accuracy: number;
  macroF1: number;
  /** Images the accuracy was measured on. */
  evaluated: number;
  compression: CompressionStep[];
  /** The compression history in words (`quantize uint8 ← runs/base`), `—` when none. */
  compressionText: string;
}

export interface CompareOptions {
  /** Images per batch, for throughput and for evaluation (default 32). */
  batch?: number;
  /** Timed throughput runs; the median is reported (default 7). */
  runs?: number;
  /** Untimed throughput runs first (default 2). */
  warmup?: number;
  /** Called as each bundle starts, e.g. to print progress. */
  onBundle?: (dir: string, index: number) => void;
  /** Called after each evaluated batch with its image count. */
  onBatch?: (n: number) => void;
}

const labelKey = (labels: readonly string[]): string => JSON.stringify([...labels].sort());

/**
 * Fails before any model loads: every folder must exist and hold a classification bundle, and
 * all must predict the same label set, or their accuracies on one dataset mean different things.
 */
export async function checkBundles(dirs: readonly string[]): Promise<BundleMeta[]> {
  if (dirs.length === 0) throw badUsage('compare: name at least one bundle folder');
  const metas: BundleMeta[] = [];
  for (const dir of dirs) {
    const stat = await fs.stat(dir).catch(() => null);
    if (!stat?.isDirectory()) throw badInput(`${dir}: no such bundle folder`);
    const meta = await readBundleMeta(dir);
    if (meta.task !== 'classification') {
      throw badUsage(
        `${dir} is a ${meta.task} bundle; compare measures accuracy, so it needs classifiers`,
      );
    }
    metas.push(meta);
  }
  const first = labelKey(metas[0].labels);
  const differ = dirs.filter((_, i) => labelKey(metas[i].labels) !== first);
  if (differ.length > 0) {
    const reference = new Set(metas[0].labels);
    const details = differ.map((dir) => {
      const labels = metas[dirs.indexOf(dir)].labels;
      const extra = labels.filter((l) => !reference.has(l));
      const missing = metas[0].labels.filter((l) => !labels.includes(l));
      return `${dir}: ${[
        extra.length ? `has ${extra.join(', ')}` : '',
        missing.length ? `lacks ${missing.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; ')}`;
    });
    throw badInput(
      `bundles predict different label sets, so their accuracies are not comparable: ${dirs[0]} vs ${differ.join(', ')}`,
      details,
    );
  }
  return metas;
}

/** One row per bundle, in the order given; every bundle is scored on the same `samples`. */
export async function compareBundles(
  dirs: readonly string[],
  source: DataSource,
  samples: readonly Sample[],
  options: CompareOptions = {},
): Promise<CompareRow[]> {
  const metas = await checkBundles(dirs);
  if (samples.length === 0) throw badInput(`${source.name}: no labelled images to compare on`);
  const names = bundleNames(dirs);
  const batch = options.batch ?? 32;
  const rows: CompareRow[] = [];
  for (const [i, dir] of dirs.entries()) {
    options.onBundle?.(dir, i);
    const bundle = await loadBundle(dir);
    try {
      const inputSize = metas[i].preprocessing.inputSize;
      const counts = countParams(bundle.model);
      const disk = await bundleDiskBytes(dir);
      // Same seed for every bundle: each one times the very same input batch.
      const throughput = await measureThroughput(bundle.model, inputSize, {
        batch,
        runs: options.runs,
        warmup: options.warmup,
        seed: 0,
      });
      const metrics = await evaluateBundle(bundle, source, samples, {
        batchSize: batch,
        topK: [1],
        onBatch: options.onBatch,
      });
      rows.push({
        bundle: dir,
        name: names[i],
        backbone: metas[i].backbone.name,
        inputSize,
        ...counts,
        diskBytes: disk.total,
        weightsBytes: disk.weights,
        weightDtype: await weightStorageDtype(dir),
        throughput,
        accuracy: metrics.accuracy,
        macroF1: metrics.macroF1,
        evaluated: metrics.count,
        compression: metas[i].compression ?? [],
        compressionText: describeCompression(metas[i].compression),
      });
    } finally {
      bundle.model.dispose();
    }
  }
  return rows;
}
