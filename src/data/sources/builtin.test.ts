import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DataSource } from '../types.js';
import { BUILTIN_TEST_FRACTION } from './builtin.js';
import { FASHION_MNIST_CLASSES } from './fashion-mnist.js';
import { openSource } from './open.js';

function perClass(src: DataSource, split: 'train' | 'test'): number[] {
  const counts = new Array(src.classes.length).fill(0);
  for (const s of src.splits[split]!) counts[s.label]++;
  return counts;
}

async function checkImages(src: DataSource, indices: number[]) {
  const all = [...src.splits.train!, ...src.splits.test!];
  let max = 0;
  for (const i of indices) {
    const img = await src.read(all[i]!);
    assert.deepEqual([img.width, img.height, img.data.length], [28, 28, 28 * 28 * 3]);
    for (let p = 0; p < img.data.length; p += 3) {
      assert.ok(
        img.data[p] === img.data[p + 1] && img.data[p] === img.data[p + 2],
        'gray expanded to RGB',
      );
      max = Math.max(max, img.data[p]!);
    }
    assert.ok(img.data.includes(0), 'digits/clothes have black background');
  }
  assert.ok(max > 200, `bright strokes present (max ${max})`);
}

test('mnist: 10,000 digits, 28x28 gray as RGB 0-255, labels 0-9, fixed 1/7 test split', async () => {
  const src = await openSource('mnist');
  assert.deepEqual(src.classes, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  const train = src.splits.train!;
  const test_ = src.splits.test!;
  assert.equal(train.length + test_.length, 10_000);
  assert.ok(
    [...train, ...test_].every((s) => Number.isInteger(s.label) && s.label >= 0 && s.label <= 9),
  );
  const tr = perClass(src, 'train');
  const te = perClass(src, 'test');
  tr.forEach((n, c) => {
    assert.equal(te[c], Math.round((n + te[c]) * BUILTIN_TEST_FRACTION), `class ${c}`);
  });
  assert.equal(new Set([...train, ...test_].map((s) => s.id)).size, 10_000);
  // Same split every time it is opened.
  const again = await openSource('mnist');
  assert.deepEqual(
    again.splits.test!.map((s) => s.id),
    test_.map((s) => s.id),
  );
  await checkImages(src, [0, 1234, 9999]);
  await assert.rejects(src.read({ id: 'mnist:10000', label: 0 }), /No sample mnist:10000/);
});

test('fashion-mnist: 70,000 images, standard class names, 60,000 / 10,000 split', async () => {
  const src = await openSource('fashion-mnist');
  assert.deepEqual(src.classes, FASHION_MNIST_CLASSES);
  assert.equal(src.classes[0], 'T-shirt/top');
  assert.equal(src.classes[9], 'Ankle boot');
  assert.equal(src.splits.train!.length, 60_000);
  assert.equal(src.splits.test!.length, 10_000);
  assert.deepEqual(perClass(src, 'test'), new Array(10).fill(1000));
  await checkImages(src, [0, 35_000, 69_999]);
  await assert.rejects(openSource('fashion-mnist', { labels: ['a'] }), /Label set does not match/);
});
