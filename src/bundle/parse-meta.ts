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

/** Refuses a model whose class count differs from the labels (`where`: the bundle's place). */
export function checkModelMatchesMeta(model: tf.LayersModel, meta: BundleMeta, where: string) {
  const outputs = model.outputs[0]!.shape;
  const perClass = meta.task === 'classification' || meta.task === 'segmentation';
  if (perClass && outputs[outputs.length - 1] !== meta.labels.length) {
    throw badInput(
      `${where}: model outputs ${outputs[outputs.length - 1]} classes but ${META_FILE} lists ${meta.labels.length} labels`,
    );
  }
}
