import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from './rng.js';

test('xoshiro128** matches hand-computed reference outputs from state [1,2,3,4]', () => {
  const r = Rng.fromState([1, 2, 3, 4]);
  // rotl(2*5, 7)*9 = 11520; then s1 becomes 0 -> 0; then rotl(1029*5, 7)*9 = 5927040.
  assert.deepEqual([r.nextUint32(), r.nextUint32(), r.nextUint32()], [11520, 0, 5927040]);
});

test('same seed gives the same stream; different seeds differ', () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const c = new Rng(43);
  const sa = Array.from({ length: 16 }, () => a.nextUint32());
  const sb = Array.from({ length: 16 }, () => b.nextUint32());
  const sc = Array.from({ length: 16 }, () => c.nextUint32());
  assert.deepEqual(sa, sb);
  assert.notDeepEqual(sa, sc);
  assert.notDeepEqual(new Rng('x').next(), new Rng('y').next());
});

test('fork depends on the seed path only, not on draws from the parent', () => {
  const a = new Rng(7);
  const before = a.fork(3, 'epoch').next();
  for (let i = 0; i < 100; i++) a.next();
  assert.equal(a.fork(3, 'epoch').next(), before);
  assert.equal(new Rng(7).fork(3).fork('epoch').next(), before);
  assert.notEqual(new Rng(7).fork(4, 'epoch').next(), before);
  assert.notEqual(new Rng(8).fork(3, 'epoch').next(), before);
  // Sibling forks are not trivially correlated: first outputs of 1000 forks are all distinct.
  const firsts = new Set(Array.from({ length: 1000 }, (_, i) => new Rng(0).fork(i).nextUint32()));
  assert.equal(firsts.size, 1000);
});

test('next() is uniform on [0,1): chi-square over 10 bins', () => {
  const r = new Rng(123);
  const bins = new Array(10).fill(0);
  const n = 100_000;
  for (let i = 0; i < n; i++) {
    const x = r.next();
    assert.ok(x >= 0 && x < 1);
    bins[Math.floor(x * 10)]++;
  }
  const chi = bins.reduce((s, b) => s + (b - n / 10) ** 2 / (n / 10), 0);
  assert.ok(chi < 27.9, `chi-square ${chi} (df 9, p=0.001 critical 27.9)`);
});

test('int(n) stays in range and hits every value; shuffle is a permutation', () => {
  const r = new Rng(5);
  const seen = new Set<number>();
  for (let i = 0; i < 1000; i++) {
    const v = r.int(7);
    assert.ok(Number.isInteger(v) && v >= 0 && v < 7);
    seen.add(v);
  }
  assert.equal(seen.size, 7);
  const p = r.permutation(50);
  assert.deepEqual(
    [...p].sort((x, y) => x - y),
    Array.from({ length: 50 }, (_, i) => i),
  );
  assert.throws(() => r.int(0), RangeError);
});

test('normal() has mean ~0 and variance ~1', () => {
  const r = new Rng(9);
  const n = 50_000;
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const x = r.normal();
    s += x;
    s2 += x * x;
  }
  assert.ok(Math.abs(s / n) < 0.03);
  assert.ok(Math.abs(s2 / n - 1) < 0.05);
});
