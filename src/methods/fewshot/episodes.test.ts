import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VisiontuneError } from '../../errors.js';
import { Rng } from '../../util/rng.js';
import { type ClassPool, checkSpec, fixedEpisodes, parseCount, sampleEpisode } from './episodes.js';

/** 6 classes; class c owns items c*100 .. c*100 + sizes[c] - 1. */
function pool(sizes = [30, 30, 30, 30, 30, 30]): ClassPool {
  return {
    names: sizes.map((_, c) => `class${c}`),
    items: sizes.map((n, c) => Array.from({ length: n }, (_, i) => c * 100 + i)),
    description: 'test pool',
  };
}

test('an N-way K-shot Q-query episode: N distinct classes, K + Q distinct items each, labels follow the class order', () => {
  const p = pool();
  const e = sampleEpisode(p, { ways: 5, shots: 3, queries: 4 }, new Rng(1));
  assert.equal(e.classes.length, 5);
  assert.equal(new Set(e.classes).size, 5);
  assert.equal(e.support.length, 15);
  assert.equal(e.query.length, 20);
  assert.equal(
    new Set([...e.support, ...e.query]).size,
    35,
    'support and query never share an item',
  );
  const classOf = (item: number) => Math.floor(item / 100);
  for (const [i, item] of e.support.entries())
    assert.equal(classOf(item), e.classes[e.supportLabels[i]!]);
  for (const [i, item] of e.query.entries())
    assert.equal(classOf(item), e.classes[e.queryLabels[i]!]);
});

test('fixed episodes are a function of the seed alone; another seed gives others', () => {
  const p = pool();
  const spec = { ways: 5, shots: 1, queries: 15 };
  const a = fixedEpisodes(p, spec, 20, 7);
  const b = fixedEpisodes(p, spec, 20, 7);
  const c = fixedEpisodes(p, spec, 20, 8);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  // Episode i does not depend on how many were asked for.
  assert.deepEqual(fixedEpisodes(p, spec, 5, 7), a.slice(0, 5));
});

test('variable N and K: every value in the range occurs, none outside', () => {
  const p = pool();
  const ways = new Set<number>();
  const shots = new Set<number>();
  const root = new Rng(3);
  for (let i = 0; i < 300; i++) {
    const e = sampleEpisode(p, { ways: [2, 4], shots: [1, 5], queries: 2 }, root.fork(i));
    ways.add(e.ways);
    shots.add(e.shots);
    assert.equal(e.support.length, e.ways * e.shots);
  }
  assert.deepEqual([...ways].sort(), [2, 3, 4]);
  assert.deepEqual([...shots].sort(), [1, 2, 3, 4, 5]);
});

test('bad specs: more ways than classes, a class with fewer than K + Q images, nonsense counts', () => {
  const tooMany = () => checkSpec(pool(), { ways: 7, shots: 1, queries: 1 });
  assert.throws(
    tooMany,
    (e: unknown) =>
      e instanceof VisiontuneError && /7-way episodes need 7 classes.*have 6/.test(e.message),
  );
  const short = () => checkSpec(pool([30, 30, 5, 30, 30, 30]), { ways: 5, shots: 5, queries: 15 });
  assert.throws(short, (e: unknown) => {
    assert.ok(e instanceof VisiontuneError && e.exitCode === 2);
    assert.match(e.message, /need 20 images per class/);
    assert.deepEqual(e.details, ["class 'class2' has 5"]);
    return true;
  });
  assert.throws(() => checkSpec(pool(), { ways: 1, shots: 1, queries: 1 }), /--ways/);
  assert.throws(() => checkSpec(pool(), { ways: 5, shots: 0, queries: 1 }), /--shots/);
});

test('parseCount: a number or a range', () => {
  assert.equal(parseCount('5', '--ways'), 5);
  assert.deepEqual(parseCount('1-5', '--shots'), [1, 5]);
  assert.throws(() => parseCount('5-1', '--shots'), /empty/);
  assert.throws(() => parseCount('x', '--shots'), /--shots/);
});
