// `--layer auto` on an imported ViT: its pre-logits (a [batch, dim] vector past every tap, used as
// is) are ranked beside its taps, each candidate's features cut out of one forward pass.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { importOnnx } from '../../backbones/onnx/import.js';
import { preLogitsFixtures } from '../../backbones/onnx/test-fixtures.js';
import { tempDir } from '../../backbones/test-setup.js';
import { openFolder } from '../../data/sources/folder.js';
import { writeColorFolder } from '../../data/test-fixtures.js';
import { embedCandidates } from './embed-candidates.js';

const { skip, models } = preLogitsFixtures();

test('--layer auto ranks an imported ViT’s pre-logits beside its taps', { skip }, async () => {
  await tf.setBackend('cpu');
  const root = await tempDir('vt-candidates-');
  const vit = models.find((m) => m.name === 'tiny_vit')!;
  const { config } = await importOnnx(vit.file, { out: path.join(root, 'vit') });
  await writeColorFolder(path.join(root, 'data'), 3);
  const source = await openFolder(path.join(root, 'data'));
  const samples = source.splits.train!;
  const embedded = await embedCandidates({
    backbone: path.join(root, 'vit'),
    source,
    samples,
    seed: 1,
    cacheDir: path.join(root, 'cache'),
  });
  assert.deepEqual(
    embedded.layers.map((l) => [l.layer, l.dim]),
    [
      ...config.taps.map((t) => [t.layer, t.channels]),
      [config.embeddingLayer, config.embeddingDim],
    ],
  );
  for (const l of embedded.layers) {
    assert.equal(l.features.length, samples.length * l.dim);
    assert.ok(l.features.every(Number.isFinite) && l.features.some((v) => v !== 0), l.layer);
  }
});
