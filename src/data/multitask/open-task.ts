// One task's data, opened with the opener of its kind (classification: data/sources, any format;
// multilabel: multilabel.ts; detection: openDetectionData; segmentation: openSegmentationData) and
// turned into labelled items keyed by the image's real path. Splits, in order of preference: the
// task's valData/testData; a classification or multi-label manifest's own val/test split; else a
// seeded hold-out of the training images by key (holdout.ts), so tasks sharing images hold out
// the same ones. Validation and test data must have the training data's classes.
import { realpath } from 'node:fs/promises';
import { badInput } from '../../errors.js';
import type { ImageDecoder } from '../decode.js';
import { sharpDecoder } from '../decode-sharp.js';
import { openDetectionData } from '../detection/open.js';
import { mapLimited } from '../limit.js';
import { openSegmentationData } from '../segmentation/open.js';
import { openSource } from '../sources/open.js';
import type { SkipReport, SplitName } from '../types.js';
import type { TaskDataConfig } from './config.js';
import { holdOutByKey } from './holdout.js';
import { openMultiLabelData } from './multilabel.js';
import { skipReportOf } from './skips.js';
import type { TaskItem, TaskKind, TaskLabel } from './types.js';

export interface TaskData {
  name: string;
  kind: TaskKind;
  /** Class names in index order (detection: categories; segmentation: with background). */
  classes: string[];
  /** segmentation: the mask label no loss counts. */
  ignoreIndex?: number;
  train: TaskItem[];
  val: TaskItem[];
  /** The task's test data or test split, when it has one (evaluation falls back to val). */
  test?: TaskItem[];
  /** Where the validation images came from. */
  valFrom: 'valData' | 'split' | 'holdout';
  /** What skipBad left out of each data set opened, by data set. */
  skipped: { data: string; report: SkipReport }[];
}

export interface OpenTaskOptions {
  seed: number;
  skipBad?: boolean;
  decoder?: ImageDecoder;
}

/** Items with what to read and how to label; keys come after (one realpath per file). */
type Unkeyed = Omit<TaskItem, 'key'> & { inMemory?: boolean };

/** A data set's items per split, its classes, and what it skipped. */
interface Opened {
  name: string;
  classes: string[];
  splits: Partial<Record<SplitName, Unkeyed[]>>;
  skipped?: SkipReport;
  ignoreIndex?: number;
}

type Role = 'train' | 'val' | 'test';

/** An image file's item: decoded from its path when read. */
const fileItem = (decoder: ImageDecoder, id: string, label: TaskLabel): Unkeyed => ({
  id,
  read: () => decoder.decode(id, id),
  label,
});

async function openClassification(
  location: string,
  classes: string[] | undefined,
  options: OpenTaskOptions,
): Promise<Opened> {
  const source = await openSource(location, {
    labels: classes,
    skipBad: options.skipBad,
    decoder: options.decoder,
  });
  const inMemory = source.contentKey !== undefined;
  const splits: Opened['splits'] = {};
  for (const [split, samples] of Object.entries(source.splits) as [
    SplitName,
    typeof source.splits.train,
  ][])
    splits[split] = (samples ?? [])
      .filter((s) => s.label >= 0)
      .map((sample) => ({
        id: sample.id,
        inMemory,
        read: () => source.read(sample),
        label: { kind: 'classification', class: sample.label, sample } as TaskLabel,
      }));
  return { name: source.name, classes: source.classes, splits, skipped: source.skipped };
}

async function openMultiLabel(
  location: string,
  images: string | undefined,
  classes: string[] | undefined,
  options: OpenTaskOptions,
): Promise<Opened> {
  const decoder = options.decoder ?? sharpDecoder();
  const data = await openMultiLabelData(location, {
    classes,
    images,
    skipBad: options.skipBad,
    decoder,
  });
  const splits: Opened['splits'] = {};
  for (const [split, samples] of Object.entries(data.splits) as [
    SplitName,
    typeof data.splits.train,
  ][])
    splits[split] = (samples ?? []).map((s) =>
      fileItem(decoder, s.id, { kind: 'multilabel', classes: s.labels }),
    );
  return { name: data.name, classes: data.classes, splits, skipped: data.skipped };
}

async function openDetection(
  location: string,
  images: string | undefined,
  role: Role,
  classes: string[] | undefined,
  options: OpenTaskOptions,
): Promise<Opened> {
  const decoder = options.decoder ?? sharpDecoder();
  const data = await openDetectionData(location, {
    images,
    split: role,
    classes,
    skipBad: options.skipBad,
  });
  return {
    name: data.name,
    classes: data.categories,
    splits: {
      [role]: data.samples.map((sample) =>
        fileItem(decoder, sample.id, { kind: 'detection', sample }),
      ),
    },
    skipped: skipReportOf(data.skipped),
  };
}

async function openSegmentation(
  spec: TaskDataConfig,
  location: string,
  images: string | undefined,
  role: Role,
  classes: string[] | undefined,
  options: OpenTaskOptions,
): Promise<Opened> {
  const decoder = options.decoder ?? sharpDecoder();
  const data = await openSegmentationData(location, {
    classes: spec.classes,
    defaultClasses: classes,
    maskMode: spec.maskMode,
    ignoreIndex: spec.ignoreIndex,
    images,
    split: role,
    skipBad: options.skipBad,
  });
  const source = { classes: data.classes, ignoreIndex: data.ignoreIndex, maskMode: data.maskMode };
  return {
    name: data.name,
    classes: data.classes,
    ignoreIndex: data.ignoreIndex,
    splits: {
      [role]: data.samples.map((sample) =>
        fileItem(decoder, sample.image, { kind: 'segmentation', sample, source }),
      ),
    },
    skipped: skipReportOf(data.skipped),
  };
}

/** Opens one data set of the task: the training data, or its validation or test data. */
function openData(
  spec: TaskDataConfig,
  role: Role,
  classes: string[] | undefined,
  options: OpenTaskOptions,
): Promise<Opened> {
  const location = role === 'train' ? spec.data : role === 'val' ? spec.valData! : spec.testData!;
  const images = role === 'train' ? spec.images : role === 'val' ? spec.valImages : spec.testImages;
  switch (spec.kind) {
    case 'classification':
      return openClassification(location, classes, options);
    case 'multilabel':
      return openMultiLabel(location, images, classes, options);
    case 'detection':
      return openDetection(location, images, role, classes, options);
    case 'segmentation':
      return openSegmentation(spec, location, images, role, classes, options);
  }
}

/** The merge key of each item: a file's real path (links and `..` resolved), else its id. */
async function keyed(items: readonly Unkeyed[]): Promise<TaskItem[]> {
  return mapLimited(items, 16, async ({ inMemory, ...item }) => {
    const key = inMemory ? item.id : await realpath(item.id).catch(() => undefined);
    if (key === undefined) throw badInput(`${item.id}: cannot resolve the image's real path`);
    return { ...item, key };
  });
}

const all = (opened: Opened) => Object.values(opened.splits).flat();

export async function openTaskData(
  spec: TaskDataConfig,
  options: OpenTaskOptions,
): Promise<TaskData> {
  const train = await openData(spec, 'train', spec.classes, options);
  const sameClasses = (other: Opened) => {
    if (other.classes.join('\u0000') !== train.classes.join('\u0000'))
      throw badInput(
        `task ${spec.name}: ${other.name}'s classes (${other.classes.join(', ')}) differ from the training data's (${train.classes.join(', ')})`,
      );
    return other;
  };
  const valData = spec.valData
    ? sameClasses(await openData(spec, 'val', train.classes, options))
    : undefined;
  const testData = spec.testData
    ? sameClasses(await openData(spec, 'test', train.classes, options))
    : undefined;

  const trainItems = await keyed(train.splits.train ?? []);
  let split: { train: TaskItem[]; val: TaskItem[] };
  let valFrom: TaskData['valFrom'];
  if (valData) {
    split = { train: trainItems, val: await keyed(all(valData)) };
    valFrom = 'valData';
  } else if (train.splits.val) {
    split = { train: trainItems, val: await keyed(train.splits.val) };
    valFrom = 'split';
  } else {
    split = holdOutByKey(trainItems, spec.val, options.seed);
    valFrom = 'holdout';
  }
  const testItems = testData ? all(testData) : train.splits.test;
  if (split.train.length === 0)
    throw badInput(`task ${spec.name}: ${spec.data} has no training images`);
  const skipped = [train, valData, testData].flatMap((d) =>
    d?.skipped ? [{ data: d.name, report: d.skipped }] : [],
  );
  return {
    name: spec.name,
    kind: spec.kind,
    classes: train.classes,
    ...(train.ignoreIndex !== undefined ? { ignoreIndex: train.ignoreIndex } : {}),
    train: split.train,
    val: split.val,
    ...(testItems ? { test: await keyed(testItems) } : {}),
    valFrom,
    skipped,
  };
}
