// The addon's caching CPU allocator (native/src/cpu-cache.cc): a freed large tensor's block is kept
// and handed to the next tensor of that size, which still holds exactly its own values (a reused
// block never shows the old ones), and small tensors are not kept.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { skip, status } from './test-support.js';

test('freed large blocks are reused and never leak their old values', { skip }, () => {
  if (!status.ok) return;
  const addon = status.addon;
  const n = 1 << 20; // 4 MiB of float32: above the 1 MiB caching threshold
  const like = addon.create(new Float32Array(n), [n], 'float32');
  const before = addon.stats().cachedBytes ?? 0;
  const sevens = addon.fillLike(like, 7);
  addon.free(sevens);
  const kept = (addon.stats().cachedBytes ?? 0) - before;
  assert.ok(kept >= n * 4, `a freed 4 MiB tensor is kept for reuse (kept ${kept} bytes)`);
  const zeros = addon.fillLike(like, 0); // the same size class: gets the freed block back
  assert.equal((addon.stats().cachedBytes ?? 0) - before, 0, 'the kept block was reused');
  const values = addon.read(zeros) as Float32Array;
  assert.ok(
    values.every((v) => v === 0),
    'the reused block holds the new values only',
  );
  addon.free(zeros);
  const smallLike = addon.create(new Float32Array(16), [16], 'float32');
  const small = addon.fillLike(smallLike, 1);
  const cachedNow = addon.stats().cachedBytes ?? 0;
  addon.free(small);
  assert.equal(addon.stats().cachedBytes, cachedNow, 'small blocks are not kept');
  addon.free(smallLike);
  addon.free(like);
});
