import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shardBatch, shardBatchCount, WHOLE } from './shard.js';

test('W ranks with batch B take, step by step, exactly the images of one process with batch B*W', () => {
  const order = [7, 3, 9, 0, 5, 1, 8, 2, 6, 4, 10, 12, 11];
  for (const size of [2, 3]) {
    const batch = 2;
    const steps = shardBatchCount(order.length, batch, { rank: 0, size });
    // The same steps, but for a last window too small to give every rank an image.
    const alone = shardBatchCount(order.length, batch * size, WHOLE);
    const rest = order.length - steps * batch * size;
    assert.ok(alone === steps || (alone === steps + 1 && rest > 0 && rest < size), `${size}`);
    for (let b = 0; b < steps; b++) {
      const union = Array.from({ length: size }, (_, rank) =>
        shardBatch(order, b, batch, { rank, size }),
      ).flat();
      const one = shardBatch(order, b, batch * size, WHOLE);
      assert.deepEqual(
        union.map((t) => t.position).sort((x, y) => x - y),
        one.map((t) => t.position),
      );
      assert.deepEqual(new Set(union.map((t) => t.index)), new Set(one.map((t) => t.index)));
      for (const t of union) assert.equal(order[t.position], t.index);
    }
  }
});

test('every rank gets at least one image per step: a last window smaller than the world is dropped', () => {
  // 9 images, batch 4, 2 ranks: windows of 8, then 1 image (fewer than 2 ranks): dropped.
  assert.equal(shardBatchCount(9, 4, { rank: 0, size: 2 }), 1);
  // 10 images: the last window holds 2, one per rank.
  assert.equal(shardBatchCount(10, 4, { rank: 1, size: 2 }), 2);
  assert.deepEqual(
    shardBatch([...Array(10).keys()], 1, 4, { rank: 1, size: 2 }).map((t) => t.position),
    [9],
  );
  assert.equal(shardBatchCount(10, 4, { rank: 0, size: 2 }, true), 1);
  // One process keeps its last partial batch as before.
  assert.equal(shardBatchCount(9, 4, WHOLE), 3);
});
