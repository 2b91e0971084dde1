import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DataSource } from '../../data/types.js';
import { VisiontuneError } from '../../errors.js';
import { describeRanking, type RankRow, rankCandidates } from './run-rank.js';

const source = (labels: number[]): DataSource => ({
  name: 'memory',
  classes: ['a', 'b'],
  splits: { train: labels.map((label, i) => ({ id: `m:${i}`, label })) },
  read: () => {
    throw new Error('nothing may be decoded');
  },
});

test('bad requests are refused by name before any image is read', async () => {
  const refused = async (options: Parameters<typeof rankCandidates>[0], message: RegExp) => {
    const err = await rankCandidates(options).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof VisiontuneError, String(err));
    assert.equal(err.exitCode, 2);
    assert.match(err.message, message);
  };
  await refused(
    { data: source([0, 1]), backbones: ['resnet_tiny', 'nope'] },
    /unknown backbone 'nope'/,
  );
  await refused(
    { data: source([0, 1]), backbones: ['resnet_tiny'], imageSizes: [16, 24] },
    /--image-sizes: resnet_tiny needs inputs of at least 32 px/,
  );
  await refused({ data: source([0, 0, 0]) }, /at least two classes/);
  await refused({ data: source([]) }, /no training images/);
});

const row = (backbone: string, imageSize: number, layer: string, logme: number): RankRow => ({
  backbone,
  imageSize,
  layer,
  depth: 0,
  dim: 8,
  logme,
  hscore: 1,
  leep: null,
  nce: null,
  hscoreSeconds: 0,
  embedSeconds: 1,
  cached: false,
});

test('the recommendation names the backbone, size and layer in describeChoice words', () => {
  const rows = [row('b2', 96, 'x', 0.5), row('b1', 64, 'y', 0.4), row('b2', 64, 'x', 0.3)];
  const line = describeRanking({
    data: 'd',
    classes: ['a', 'b'],
    images: 20,
    rows,
    best: rows[0]!,
    notes: [],
    seconds: 2,
  });
  assert.equal(
    line,
    'backbone b2, layer x at 96 px chosen by LogME over 3 candidates (sizes 64, 96 px) on 20 training images (2.0 s); scores: x @96 0.500, y @64 0.400, x @64 0.300',
  );
});
