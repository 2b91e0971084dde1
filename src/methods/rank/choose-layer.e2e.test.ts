// --layer auto end to end on a tiny random-init body and real image files: what is scored,
// what is chosen, and that the choice is reproducible.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { createModel } from '../../backbones/index.js';
import { setupBackend } from '../../backbones/test-setup.js';
import { openFolder } from '../../data/sources/folder.js';
import { writeColorFolder } from '../../data/test-fixtures.js';
import type { Sample } from '../../data/types.js';
import { layerCandidates } from './candidates.js';
import { chooseLayer, describeChoice, scoringSubsample } from './choose-layer.js';

await setupBackend();
const dir = await mkdtemp(path.join(os.tmpdir(), 'vt-choose-'));
after(() => rm(dir, { recursive: true, force: true }));

test('candidates: the block outputs and taps of resnet_tiny, shallow to deep', async () => {
  const { model, config, entry } = await createModel('resnet_tiny', { featuresOnly: true });
  const names = layerCandidates(model, config.taps, entry.blocks).map((c) => c.layer);
  assert.deepEqual(names, ['stage1_out', 'stage2_out', 'stage3_out', 'stage4_out']);
  // An imported model (no block rule) offers its taps only.
  const taps = layerCandidates(model, config.taps.slice(2)).map((c) => c.layer);
  assert.deepEqual(taps, ['stage3_out', 'stage4_out']);
  model.dispose();
});

test('scoringSubsample: all images under the cap, else a seeded class-balanced subset', () => {
  const samples: Sample[] = Array.from({ length: 300 }, (_, i) => ({
    id: `img${i}`,
    label: i % 3 === 0 ? 0 : i % 3 === 1 ? 1 : 2,
  }));
  assert.equal(scoringSubsample(samples, 3, 300, 1), samples);
  const sub = scoringSubsample(samples, 3, 60, 1);
  assert.equal(sub.length, 60);
  for (const c of [0, 1, 2]) assert.equal(sub.filter((s) => s.label === c).length, 20);
  assert.deepEqual(scoringSubsample(samples, 3, 60, 1), sub);
  assert.notDeepEqual(scoringSubsample(samples, 3, 60, 2), sub);
});

test('chooseLayer scores every candidate on the given images and reproduces its choice', async () => {
  await writeColorFolder(path.join(dir, 'data'), { train: 8, test: 2 });
  const source = await openFolder(path.join(dir, 'data'));
  const options = {
    backbone: 'resnet_tiny',
    inputSize: 32,
    source,
    samples: source.splits.train!,
    numClasses: source.classes.length,
    seed: 3,
    cacheDir: path.join(dir, 'cache'),
  };
  const choice = await chooseLayer(options);
  const singles = choice.scores.filter((s) => !s.layer.includes('+'));
  assert.equal(singles.length, 4);
  assert.equal(choice.scores.length, 4 + 3);
  assert.equal(choice.layer, choice.scores[0]!.layer);
  assert.equal(choice.images, source.splits.train!.length);
  assert.match(
    describeChoice(choice),
    /^layer \S+ chosen by LogME over 7 candidates on \d+ training images/,
  );
  const again = await chooseLayer(options);
  assert.deepEqual(again.scores, choice.scores);
});
