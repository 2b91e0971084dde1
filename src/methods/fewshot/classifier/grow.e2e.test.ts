// The growth measurement on real data (Fashion-MNIST, pretrained MobileNetV2 at 64 px), small
// enough for the unit run: a clothing classifier (the six garment classes, 5 shots each) grows by
// a new kind of product (sandals, sneakers, bags, ankle boots); 50 test images of each garment
// class are scored before and after, over all classes.
// What must hold: old-class logits bit for bit unchanged, so an image can only leave its class for
// a NEW class; growing costs nothing against fitting all ten at once (exactly, for cosine, whose
// transform has no fitted statistics); and the old classes lose at most 1 point. (Growing
// classes 0-4 by 5-9 instead adds Shirt, a near-duplicate of three old classes: the ten-way
// problem is harder and ~6 points go to Shirt — bench/fewshot/grow.ts reports that case.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FASHION_MNIST_CLASSES, openSource } from '../../../data/index.js';
import { initEngine } from '../../../engine/index.js';
import { measureGrowth } from './measure.js';

test('fashion-mnist: adding classes moves old images only to new classes', async (t) => {
  await initEngine({ backend: 'auto' });
  const source = await openSource('fashion-mnist');
  for (const metric of ['cosine', 'euclidean'] as const) {
    const m = await measureGrowth({
      source,
      oldClasses: [0, 1, 2, 3, 4, 6].map((c) => FASHION_MNIST_CLASSES[c]!),
      newClasses: [5, 7, 8, 9].map((c) => FASHION_MNIST_CLASSES[c]!),
      shots: 5,
      testPerClass: 50,
      backbone: 'mobilenet_v2',
      imageSize: 64,
      layer: 'block_12_add',
      metric,
      seed: 0,
    });
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    t.diagnostic(
      `${metric}: before ${pct(m.before)}, after ${pct(m.after)} (drop ${m.dropPoints.toFixed(1)} points), fit at once ${pct(m.fitAllAtOnce)}, taken by ${JSON.stringify(m.takenBy)}`,
    );
    assert.equal(m.testImages.old, 300);
    assert.ok(m.before > 0.35, `${metric}: 6-way accuracy ${m.before} is far above chance (0.17)`);
    assert.equal(m.oldLogitsIdentical, true, metric);
    assert.equal(m.movedToOtherOldClass, 0, metric);
    const taken = Object.values(m.takenBy).reduce((a, n) => a + n, 0);
    // Every lost image went to a new class (some of the taken ones were wrong before).
    assert.ok(m.before - m.after <= taken / m.testImages.old + 1e-9, metric);
    assert.ok(m.dropPoints <= 1 + 1e-9, `${metric}: old classes lost ${m.dropPoints} points`);
    if (metric === 'cosine') {
      assert.equal(m.after, m.fitAllAtOnce);
      assert.equal(m.newClasses.grown, m.newClasses.fitAllAtOnce);
    } else {
      // Statistics from the first five classes only: within a few images of fitting all at once.
      assert.ok(Math.abs(m.after - m.fitAllAtOnce) <= 0.05, `${m.after} vs ${m.fitAllAtOnce}`);
    }
  }
});
