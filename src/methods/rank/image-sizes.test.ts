import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DataSource, DecodeHint } from '../../data/types.js';
import { autoImageSizes, imageSizeCandidates, typicalImageSide } from './image-sizes.js';

test('small images get the smaller sizes the body accepts plus the native one; large, native only', () => {
  const mobilenet = { inputSize: 224, minInputSize: 32 };
  assert.deepEqual(autoImageSizes(28, mobilenet), [64, 96, 128, 160, 224]);
  assert.deepEqual(autoImageSizes(200, mobilenet), [64, 96, 128, 160, 224]);
  assert.deepEqual(autoImageSizes(224, mobilenet), [224]);
  assert.deepEqual(autoImageSizes(1024, mobilenet), [224]);
  assert.deepEqual(autoImageSizes(28, { inputSize: 96, minInputSize: 32 }), [64, 96]);
  assert.deepEqual(autoImageSizes(28, { inputSize: 299, minInputSize: 75 }), [96, 128, 160, 299]);
});

/** Images of the given sizes, decoded as the hint asks (downscaled when larger than its size). */
function sized(sizes: [number, number][]): { source: DataSource; hints: DecodeHint[] } {
  const hints: DecodeHint[] = [];
  const source: DataSource = {
    name: 'memory',
    classes: ['a'],
    splits: { train: sizes.map((_, i) => ({ id: `m:${i}`, label: 0 })) },
    read: async (sample, hint) => {
      if (hint) hints.push(hint);
      const [w, h] = sizes[Number(sample.id.slice(2))]!;
      if (w < 0) throw new Error('unreadable');
      const scale = hint && Math.min(w, h) > hint.size ? hint.size / Math.min(w, h) : 1;
      return {
        data: new Uint8Array(0),
        width: Math.round(w * scale),
        height: Math.round(h * scale),
      };
    },
  };
  return { source, hints };
}

test('the typical side is the median shorter side of the first images, never decoded above the cap', async () => {
  const { source, hints } = sized([
    [28, 28],
    [40, 30],
    [-1, -1],
    [3000, 2000],
    [28, 60],
  ]);
  assert.equal(await typicalImageSide(source, source.splits.train!, 224), 30);
  assert.ok(hints.every((h) => h.size === 224 && h.downscaleOnly && h.mode === 'shorter'));
  const none = sized([[-1, -1]]);
  assert.equal(await typicalImageSide(none.source, none.source.splits.train!, 224), undefined);
});

test('candidates: sizes the user lists win; else from the data and the registry entry', async () => {
  const { source } = sized([[28, 28]]);
  const train = source.splits.train!;
  assert.deepEqual(
    await imageSizeCandidates('mobilenet_v2', source, train, [96, 64, 96]),
    [96, 64],
  );
  assert.deepEqual(await imageSizeCandidates('mobilenet_v2_035', source, train), [64, 96]);
  const big = sized([[640, 480]]);
  assert.deepEqual(
    await imageSizeCandidates('resnet_tiny', big.source, big.source.splits.train!),
    [64],
  );
});
