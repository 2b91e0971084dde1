// The few-shot part of visiontune.json: reading it back (with a clear error for any other kind
// of bundle) and the per-class records fit and add write.
import type { BundleMeta } from '../../../bundle/meta.js';
import { badInput } from '../../../errors.js';

export type FewShotMeta = NonNullable<BundleMeta['fewshot']>;
export type FewShotClassRecord = FewShotMeta['classes'][number];

/** The bundle's few-shot section; any other bundle is bad input that says what it is. */
export function requireFewShot(meta: BundleMeta, dir: string): FewShotMeta {
  if (meta.fewshot) {
    const listed = meta.fewshot.classes.map((c) => c.label);
    if (listed.length !== meta.labels.length || listed.some((l, i) => l !== meta.labels[i])) {
      throw badInput(`${dir}: the few-shot class records do not match the bundle's labels`, [
        `labels: ${meta.labels.join(', ')}`,
        `few-shot classes: ${listed.join(', ')}`,
      ]);
    }
    return meta.fewshot;
  }
  const strategy = meta.training.strategy ?? meta.training.method;
  const what =
    meta.task === 'classification'
      ? `a classification bundle${typeof strategy === 'string' ? ` trained with '${strategy}'` : ''} (${meta.labels.length} classes, backbone ${meta.backbone.name})`
      : `an ${meta.task} bundle (backbone ${meta.backbone.name})`;
  throw badInput(
    `${dir} is not a few-shot prototype bundle: it is ${what}, and its visiontune.json has no 'fewshot' section. Classes can only be added to a bundle made by 'visiontune fewshot fit'; to use this one as the backbone, run 'visiontune fewshot fit --backbone ${dir} ...'.`,
  );
}

export function classRecords(
  labels: readonly string[],
  counts: readonly number[],
  how: { addedBy: 'fit' | 'add'; finetuned: boolean; source: string },
): FewShotClassRecord[] {
  return labels.map((label, c) => ({ label, shots: counts[c]!, ...how }));
}

/** Images per class in a support embedding set; a class left with none (bad images skipped) is bad input. */
export function countShots(
  labels: Int32Array,
  classes: readonly string[],
  sourceName: string,
): number[] {
  const counts = classes.map(() => 0);
  for (const l of labels) counts[l]!++;
  const empty = classes.filter((_, c) => counts[c] === 0);
  if (empty.length > 0) {
    throw badInput(
      `${sourceName}: no readable support images left for ${empty.map((c) => `'${c}'`).join(', ')}`,
    );
  }
  return counts;
}
