// resolveLayer's cases that need no backbone: a named layer passes through, and inputs LogME
// cannot rank (no labels, fewer than two classes with two images) fall back with the reason;
// scorableSamples keeps only the scorable classes, renumbered.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DataSource, Sample } from '../../data/types.js';
import { describeResolved, fallbackLayer, resolveLayer, scorableSamples } from './auto-layer.js';

const sample = (id: string, label: number): Sample => ({ id, label });
// Never read: every case below is settled before an image would be decoded.
const source = {
  name: 'nowhere',
  classes: [],
  splits: {},
  read: () => Promise.reject(new Error('read')),
} as unknown as DataSource;
const base = { what: 'the images', backbone: 'resnet_tiny', source, seed: 0 };

test('scorableSamples drops unlabelled images and classes with one image, renumbering the rest', () => {
  const samples = [
    sample('a', 7),
    sample('b', -1),
    sample('c', 3),
    sample('d', 7),
    sample('e', 5),
    sample('f', 3),
  ];
  const kept = scorableSamples(samples);
  assert.equal(kept.classes, 2);
  assert.deepEqual(
    kept.samples.map((s) => [s.id, s.label]),
    [
      ['a', 1],
      ['c', 0],
      ['d', 1],
      ['f', 0],
    ],
  );
});

test('a named layer is used as given; nothing is scored', async () => {
  const resolved = await resolveLayer({ ...base, layer: 'stage3_out', samples: [] });
  assert.deepEqual(resolved, { layer: 'stage3_out' });
  assert.equal(describeResolved(resolved, 'stage3_out'), undefined);
});

test('auto falls back to the default layer, saying why, when LogME cannot rank', async () => {
  const unlabelled = await resolveLayer({
    ...base,
    layer: 'auto',
    samples: [sample('a', -1), sample('b', -1)],
  });
  assert.equal(unlabelled.layer, undefined);
  assert.match(unlabelled.fallback!, /the images have no labels/);
  assert.match(
    describeResolved(unlabelled, 'stage4_out')!,
    /^layer auto fell back to the backbone's default layer stage4_out: the images have no labels/,
  );
  // One class, or two classes of which only one has two images.
  for (const labels of [
    [0, 0, 0],
    [0, 0, 1],
  ]) {
    const few = await resolveLayer({
      ...base,
      layer: 'auto',
      samples: labels.map((l, i) => sample(String(i), l)),
    });
    assert.equal(few.layer, undefined);
    assert.match(few.fallback!, /fewer than two classes with 2\+ labelled images/);
  }
});

test("the fall-back is the registry's measured frozen layer where it has one, else the embedding layer", async () => {
  const unlabelled = [sample('a', -1), sample('b', -1)];
  const mobilenet = await resolveLayer({
    ...base,
    backbone: 'mobilenet_v2',
    layer: 'auto',
    samples: unlabelled,
  });
  assert.equal(mobilenet.layer, 'block_13_expand_relu', 'not the body output out_relu');
  assert.equal(fallbackLayer('mobilenet_v2'), 'block_13_expand_relu');
  assert.equal(fallbackLayer('resnet_tiny'), undefined, 'no measured layer: stage4_out');
  assert.equal(fallbackLayer('./some/model.json'), undefined, 'an imported model: its own');
});
