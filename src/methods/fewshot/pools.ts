// Class splits for few-shot work: meta-train, meta-validation and meta-test classes never share a
// class (that is the whole point: test classes are new). Classes are picked by index range or
// name (`0-4`, `sandal,shirt`); with none given, a seeded split of the source's classes. Each
// class keeps at most `maxPerClass` images, chosen by seed (mini-ImageNet has 600 per class).

import type { DataSource, Sample } from '../../data/types.js';
import { badInput, badUsage } from '../../errors.js';
import { Rng } from '../../util/rng.js';
import type { ClassPool } from './episodes.js';

export interface SamplePool extends ClassPool {
  source: DataSource;
  /** Every image of the pool; ClassPool.items index into it. */
  samples: Sample[];
}

export type PoolRole = 'train' | 'val' | 'test';

/** Class indices of `source` named by `spec`: "0-4,7", "sandal,shirt" or a mix. */
export function parseClassList(spec: string, source: DataSource, flag: string): number[] {
  const out: number[] = [];
  for (const part of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const range = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (range) {
      const lo = Number(range[1]);
      const hi = range[2] === undefined ? lo : Number(range[2]);
      for (let c = lo; c <= hi; c++) {
        if (c >= source.classes.length)
          throw badUsage(
            `${flag}: class index ${c} is out of range (${source.name} has ${source.classes.length} classes, 0-${source.classes.length - 1})`,
          );
        out.push(c);
      }
      continue;
    }
    const c = source.classes.indexOf(part);
    if (c < 0)
      throw badUsage(
        `${flag}: no class '${part}' in ${source.name} (classes: ${source.classes.join(', ')})`,
      );
    out.push(c);
  }
  if (out.length === 0) throw badUsage(`${flag}: no classes given`);
  return [...new Set(out)];
}

/** Seeded default split of class indices: 60% meta-train, 20% meta-val, 20% meta-test (at least one each). */
export function defaultClassSplit(count: number, seed: number): Record<PoolRole, number[]> {
  if (count < 3)
    throw badInput(
      `a meta-train / meta-val / meta-test split needs at least 3 classes, the data has ${count}`,
    );
  const order = new Rng(seed).fork('class-split').permutation(count);
  const nTest = Math.max(1, Math.round(count * 0.2));
  const nVal = Math.max(1, Math.round(count * 0.2));
  const sorted = (a: number[]) => a.sort((x, y) => x - y);
  return {
    test: sorted(order.slice(0, nTest)),
    val: sorted(order.slice(nTest, nTest + nVal)),
    train: sorted(order.slice(nTest + nVal)),
  };
}

/** Fails when two roles drawn from the same source share a class. */
export function checkDisjoint(
  split: Partial<Record<PoolRole, number[]>>,
  source: DataSource,
): void {
  const owner = new Map<number, PoolRole>();
  for (const role of ['train', 'val', 'test'] as const) {
    for (const c of split[role] ?? []) {
      const other = owner.get(c);
      if (other && other !== role)
        throw badUsage(
          `class '${source.classes[c]}' is in both the meta-${other} and the meta-${role} classes of ${source.name}; they must not share a class`,
        );
      owner.set(c, role);
    }
  }
}

/** The pool of `classes` of `source`: every split's images, at most maxPerClass per class (seeded). */
export function buildPool(
  source: DataSource,
  classes: readonly number[],
  options: { maxPerClass: number; seed: number; role: PoolRole },
): SamplePool {
  const all = Object.values(source.splits).flat();
  const byClass = new Map<number, Sample[]>(classes.map((c) => [c, []]));
  for (const s of all) byClass.get(s.label)?.push(s);
  const samples: Sample[] = [];
  const items = classes.map((c) => {
    const members = byClass.get(c)!;
    const order = new Rng(options.seed).fork('pool', source.name, c).permutation(members.length);
    return order.slice(0, options.maxPerClass).map((k) => {
      samples.push(members[k]!);
      return samples.length - 1;
    });
  });
  return {
    source,
    samples,
    items,
    names: classes.map((c) => source.classes[c]!),
    description: `meta-${options.role} classes of ${source.name}`,
  };
}
