// Which images a few-shot fit or add learns from: every labelled sample of the support source
// (or a seeded K per class), checked up front so a class with no images or a one-class fit fails
// with a message naming it, before any backbone is loaded.
import { z } from 'zod';
import { opt } from '../../../config/options.js';
import { batchSizeField, seedField } from '../../../config/run-fields.js';
import type { DataSource, Sample, SplitName } from '../../../data/types.js';
import { badInput } from '../../../errors.js';
import { Rng } from '../../../util/rng.js';

/** How a fit or an add picks and embeds its support images (options both take). */
export const supportFields = {
  /** Use at most this many images per class (chosen by seed). Default: all. */
  shots: opt(
    z.number().int().positive().optional(),
    'use at most K images per class (seeded pick; default all)',
    { arg: 'k' },
  ),
  seed: seedField,
  batchSize: batchSizeField(32),
};

export interface SupportSelection {
  samples: Sample[];
  /** Images per class, indexed like source.classes. */
  counts: number[];
}

/**
 * The labelled support samples: every split except `test`, which stays held out when the source
 * has anything else (a built-in dataset, a train/val/test folder); a source that is all `test`
 * (loose files) is used whole. With `shots`, at most that many per class, chosen by seed.
 */
export function selectSupport(
  source: DataSource,
  options: { shots?: number; seed?: number; minClasses: number },
): SupportSelection {
  const { test = [], ...rest } = source.splits;
  const others = Object.values(rest).flat();
  const all = others.length > 0 ? others : test;
  const unlabelled = all.filter((s) => s.label < 0);
  if (unlabelled.length > 0) {
    throw badInput(`${source.name}: support images need class labels (class folders)`, [
      ...unlabelled.slice(0, 5).map((s) => `${s.id}: no class`),
    ]);
  }
  const byClass: Sample[][] = source.classes.map(() => []);
  for (const s of all) byClass[s.label]?.push(s);
  const empty = source.classes.filter((_, c) => byClass[c]!.length === 0);
  if (empty.length > 0) {
    throw badInput(
      `${source.name}: ${empty.length === 1 ? 'a class has' : 'classes have'} no support images`,
      empty.map((c) => `${c}: 0 images`),
    );
  }
  if (source.classes.length < options.minClasses) {
    const have = source.classes.length === 1 ? `one class (${source.classes[0]})` : 'no classes';
    throw badInput(
      `${source.name}: a few-shot classifier needs at least ${options.minClasses} classes to fit, found ${have}`,
    );
  }
  const shots = options.shots;
  const chosen = byClass.map((members, c) =>
    shots === undefined || members.length <= shots
      ? members
      : new Rng(options.seed ?? 0)
          .fork('shots', c)
          .shuffle([...members])
          .slice(0, shots),
  );
  return { samples: chosen.flat(), counts: chosen.map((m) => m.length) };
}

/**
 * A view of `source` with only the named classes (re-indexed in the given order) and at most
 * `perClass` images of each from one split, chosen by seed — for carving support and test sets
 * out of a built-in dataset (the grow measurement, its test and bench).
 */
export function subsetSource(
  source: DataSource,
  options: { classes: string[]; split: SplitName; perClass?: number; seed: number; key?: string },
): DataSource {
  const index = new Map(source.classes.map((c, i) => [c, i]));
  const missing = options.classes.filter((c) => !index.has(c));
  if (missing.length > 0)
    throw badInput(`${source.name} has no class ${missing.map((c) => `'${c}'`).join(', ')}`);
  const pool = source.splits[options.split] ?? [];
  const samples = options.classes.flatMap((name, newLabel) => {
    const old = index.get(name)!;
    const members = pool.filter((s) => s.label === old);
    const rng = new Rng(options.seed).fork(options.key ?? 'subset', options.split, name);
    const picked =
      options.perClass === undefined
        ? members
        : rng.shuffle([...members]).slice(0, options.perClass);
    return picked.map((s) => ({ id: s.id, label: newLabel }));
  });
  return {
    name: `${source.name}[${options.split}: ${options.classes.join(', ')}]`,
    classes: [...options.classes],
    splits: { [options.split]: samples },
    read: (sample, hint) => source.read(sample, hint),
    ...(source.contentKey ? { contentKey: (s: Sample) => source.contentKey!(s) } : {}),
  };
}
