import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveSegmentConfig } from './config.js';

test('segment config: defaults, later layers win, and the cross-field checks name the field', () => {
  const config = resolveSegmentConfig(
    { data: 'd', epochs: 3 },
    { epochs: 5, decoder: 'deeplabv3plus' },
  );
  assert.equal(config.epochs, 5);
  assert.equal(config.decoder, 'deeplabv3plus');
  assert.deepEqual([config.imageSize, config.ignoreIndex, config.ceWeight], [224, 255, 1]);
  assert.throws(
    () => resolveSegmentConfig({ data: 'd', imageSize: 100 }),
    /imageSize: must be a multiple of 32/,
  );
  assert.throws(
    () => resolveSegmentConfig({ data: 'd', scale: [2, 1] }),
    /scale: the lower bound 2/,
  );
  assert.throws(
    () => resolveSegmentConfig({ data: 'd', strategy: 'scratch', freezeBackbone: true }),
    /freezeBackbone/,
  );
  assert.throws(
    () => resolveSegmentConfig({ data: 'd', ceWeight: 0 }),
    /at least one loss must have a weight > 0/,
  );
  assert.throws(() => resolveSegmentConfig({ data: 'd', decoder: 'fpn' }), /decoder/);
});
