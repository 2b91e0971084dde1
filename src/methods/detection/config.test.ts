import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { decodeOverrideFields, resolveDetectConfig } from './config.js';

test('detect config: defaults, later layers win, and the cross-field checks name the field', () => {
  const config = resolveDetectConfig({ data: 'd', epochs: 3 }, { epochs: 5, nmsIou: 0.5 });
  assert.equal(config.epochs, 5);
  assert.equal(config.nmsIou, 0.5);
  assert.deepEqual(
    [config.imageSize, config.batch, config.freezeBn, config.scale, config.out],
    [256, 16, true, [0.6, 1.4], 'runs/detect'],
  );
  assert.deepEqual([config.scoreThreshold, config.maxDetections], [0.05, 100]);
  assert.throws(
    () => resolveDetectConfig({ data: 'd', imageSize: 100 }),
    /imageSize: must be a multiple of 32/,
  );
  assert.throws(
    () => resolveDetectConfig({ data: 'd', strategy: 'scratch', freezeBackbone: true }),
    /freezeBackbone: a backbone trained from scratch/,
  );
  assert.throws(() => resolveDetectConfig({ data: 'd', scoreThreshold: 1 }), /scoreThreshold/);
  assert.throws(() => resolveDetectConfig({ data: 'd', nmsIou: 0 }), /nmsIou/);
});

test("decode overrides: the training fields' ranges, no defaults", () => {
  const overrides = z.object(decodeOverrideFields).strict();
  assert.deepEqual(overrides.parse({}), {});
  assert.deepEqual(overrides.parse({ nmsIou: 1 }), { nmsIou: 1 });
  for (const bad of [
    { scoreThreshold: 1 },
    { scoreThreshold: -0.1 },
    { nmsIou: 0 },
    { maxDetections: 0.5 },
  ])
    assert.equal(overrides.safeParse(bad).success, false, JSON.stringify(bad));
});
