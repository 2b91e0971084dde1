import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { pairedLoader } from './paired-loader.js';
import { constantBatches, fixedLoader } from './test-loaders.js';

await tf.setBackend('cpu');

test('each step stacks a source batch over a target batch; the target cycles; nothing leaks', async () => {
  // Source pixels 1, 2, 3 (3 batches of 2); target pixels 10, 20 (2 batches of 3).
  const source = fixedLoader(constantBatches(3, 2, (b) => b + 1));
  const target = fixedLoader(constantBatches(2, 3, (b) => 10 * (b + 1)));
  const paired = pairedLoader({ source, target });
  assert.equal(paired.numBatches, 3);
  const before = tf.memory().numTensors;
  const seen: number[][] = [];
  for await (const batch of paired.epoch(0)) {
    assert.equal(batch.sourceCount, 2);
    assert.equal(batch.targetCount, 3);
    assert.equal(batch.hasStrongView, false);
    assert.deepEqual(batch.x.shape, [5, 2, 2, 3]);
    // One value per row: the pixels are constant within an image.
    const max = tf.tidy(() => batch.x.reshape([5, 12]).max(1));
    const rows = await max.data();
    max.dispose();
    seen.push(Array.from(rows));
    // Labels are the source's only.
    assert.equal(batch.labels.length, 2);
    batch.x.dispose();
  }
  assert.deepEqual(seen, [
    [1, 1, 10, 10, 10],
    [2, 2, 20, 20, 20],
    [3, 3, 10, 10, 10], // the target restarted
  ]);
  assert.equal(tf.memory().numTensors, before);
});

test('a strong view adds the same target images again, in the same order', async () => {
  const source = fixedLoader(constantBatches(2, 2, () => 1));
  const weak = fixedLoader(constantBatches(2, 2, (b) => 10 + b));
  const strong = fixedLoader(constantBatches(2, 2, (b) => 100 + b));
  for await (const batch of pairedLoader({ source, target: weak, targetStrong: strong }).epoch(0)) {
    assert.equal(batch.hasStrongView, true);
    const rows = Array.from(await batch.x.reshape([6, 12]).max(1).data());
    const b = rows[2]! - 10;
    assert.deepEqual(rows, [1, 1, 10 + b, 10 + b, 100 + b, 100 + b]);
    batch.x.dispose();
  }
});

test('stopping early (an error in the step) releases the pending target batches', async () => {
  const source = fixedLoader(constantBatches(3, 2, () => 1));
  const target = fixedLoader(constantBatches(3, 2, () => 2));
  const before = tf.memory().numTensors;
  for await (const batch of pairedLoader({ source, target }).epoch(0)) {
    batch.x.dispose();
    break;
  }
  assert.equal(tf.memory().numTensors, before);
});

test('without a target (the source-only baseline) batches are the source batches', async () => {
  const source = fixedLoader(constantBatches(2, 3, (b) => b + 1));
  let steps = 0;
  for await (const batch of pairedLoader({ source }).epoch(0)) {
    assert.equal(batch.targetCount, 0);
    assert.deepEqual(batch.x.shape, [3, 2, 2, 3]);
    batch.x.dispose();
    steps++;
  }
  assert.equal(steps, 2);
});
