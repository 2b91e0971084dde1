// A project of each task built only through the studio's API (uploads of real PNG images of
// coloured squares, class assignments, boxes, polygons, a test split), then the real `visiontune`
// CLI run on the files with the command line the studio shows: it trains, and it sees exactly
// the classes, images and boxes the studio wrote.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { readBundleMeta } from '../../bundle/bundle.js';
import { runCli } from '../../cli/run-cli.js';
import type { Split } from '../api-types.js';
import { seg, shapeImage, startStudio, type TestStudio } from './test-support.js';

let s: TestStudio;
before(async () => {
  s = await startStudio();
});
after(() => s.close());

const RED: [number, number, number] = [220, 40, 40];
const BLUE: [number, number, number] = [40, 60, 220];
const SPLIT_OF = (i: number): Split => (i % 5 === 4 ? 'test' : 'train');

/** The studio's command line for the project, with the tiny settings of a test run appended. */
async function cliArgs(project: string, extra: string[]): Promise<string[]> {
  const view = (await s.call('GET', `/api/projects/${project}`)).body;
  assert.equal(view.cli.length, 1);
  const words = (view.cli[0] as string).split(' ');
  assert.equal(words[0], 'visiontune');
  return [
    ...words.slice(1),
    ...extra,
    '--out',
    path.join(path.dirname(s.dir), `run-${project}`),
    '--json',
  ];
}

async function buildClassification() {
  await s.call('POST', '/api/projects', { name: 'cls', task: 'classification' });
  for (const [label, color] of [
    ['red', RED],
    ['blue', BLUE],
  ] as const)
    for (const split of ['train', 'test'] as const) {
      const n = split === 'train' ? 6 : 2;
      const files = await Promise.all(
        Array.from({ length: n }, async (_, i) => ({
          name: `${label}-${split}-${i}.png`,
          bytes: await shapeImage({ color, square: [4 + i, 6, 14, 14] }),
        })),
      );
      const r = await s.upload('/api/projects/cls/images', files, { label, split });
      assert.equal(r.body.added.length, n);
    }
  // One relabelled by a move, one deleted: the CLI must see the result, not the history.
  await s.call('PATCH', '/api/projects/cls/images', {
    ids: ['data/train/red/red-train-5.png'],
    label: 'blue',
  });
  await s.call('DELETE', '/api/projects/cls/images', { ids: ['data/train/blue/red-train-5.png'] });
}

async function buildDetection(): Promise<Record<Split, { images: number; boxes: number }>> {
  await s.call('POST', '/api/projects', {
    name: 'det',
    task: 'detection',
    classes: ['red', 'blue'],
  });
  const expected = { train: { images: 0, boxes: 0 }, test: { images: 0, boxes: 0 } };
  for (let i = 0; i < 15; i++) {
    const split = SPLIT_OF(i);
    const red = 4 + (i % 4) * 5;
    const bytes = await shapeImage({
      width: 64,
      height: 64,
      color: i % 2 ? RED : BLUE,
      square: [red, red, 20, 20],
    });
    const added = (
      await s.upload('/api/projects/det/images', [{ name: `d${i}.png`, bytes }], { split })
    ).body.added[0];
    // Every sixth image is a negative (saved with no boxes).
    const boxes =
      i % 6 === 5 ? [] : [{ label: i % 2 ? 'red' : 'blue', x: red, y: red, width: 20, height: 20 }];
    const r = await s.call('PUT', `/api/projects/det/labels/${seg(added.id)}`, { boxes });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    expected[split].images++;
    expected[split].boxes += boxes.length;
  }
  // Waits unlabelled: not in the data the CLI reads.
  await s.upload('/api/projects/det/images', [
    { name: 'later.png', bytes: await shapeImage({ width: 64, height: 64 }) },
  ]);
  return expected;
}

async function buildSegmentation(): Promise<Record<Split, number>> {
  await s.call('POST', '/api/projects', {
    name: 'seg',
    task: 'segmentation',
    classes: ['red', 'blue'],
  });
  const expected = { train: 0, test: 0 };
  for (let i = 0; i < 10; i++) {
    const split = SPLIT_OF(i);
    const at = 6 + (i % 3) * 8;
    const bytes = await shapeImage({
      width: 64,
      height: 64,
      color: i % 2 ? RED : BLUE,
      square: [at, at, 24, 24],
    });
    const added = (
      await s.upload('/api/projects/seg/images', [{ name: `s${i}.png`, bytes }], { split })
    ).body.added[0];
    const points = [
      [at, at],
      [at + 24, at],
      [at + 24, at + 24],
      [at, at + 24],
    ];
    const r = await s.call('PUT', `/api/projects/seg/labels/${seg(added.id)}`, {
      polygons: [{ label: i % 2 ? 'red' : 'blue', points }],
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    expected[split]++;
  }
  return expected;
}

test('projects built through the API train with the real CLI, which sees what the studio wrote', async () => {
  await buildClassification();
  const det = await buildDetection();
  const sg = await buildSegmentation();
  const small = ['--backbone', 'resnet_tiny', '--strategy', 'scratch', '--epochs', '1'];
  const [clsRun, detRun, segRun] = await Promise.all([
    cliArgs('cls', [...small, '--image-size', '32']).then(runCli),
    cliArgs('det', [...small, '--image-size', '64', '--batch', '8', '--val', '0']).then(runCli),
    cliArgs('seg', [...small, '--image-size', '64', '--batch', '4', '--val', '0']).then(runCli),
  ]);

  assert.equal(clsRun.code, 0, clsRun.stderr);
  const cls = JSON.parse(clsRun.stdout);
  const clsMeta = await readBundleMeta(cls.bundle);
  assert.deepEqual([...clsMeta.labels].sort(), ['blue', 'red']);
  // 6 + 6 train images, one moved to blue and deleted: 11, of which the CLI holds out its val.
  assert.equal(cls.splits.train + cls.splits.val, 11);
  assert.equal(cls.splits.test, 4);
  assert.equal(cls.metrics.count, 4);

  assert.equal(detRun.code, 0, detRun.stderr);
  const detResult = JSON.parse(detRun.stdout);
  assert.deepEqual(detResult.splits, { train: det.train.images, val: 0, test: det.test.images });
  assert.deepEqual((await readBundleMeta(detResult.bundle)).labels, ['red', 'blue']);
  // The test split's boxes, as the CLI's evaluation counted them.
  const groundTruth = detResult.metrics.perCategory.reduce(
    (n: number, c: { groundTruth: number }) => n + c.groundTruth,
    0,
  );
  assert.equal(groundTruth, det.test.boxes);

  assert.equal(segRun.code, 0, segRun.stderr);
  const segResult = JSON.parse(segRun.stdout);
  assert.deepEqual(segResult.splits, { train: sg.train, val: 0, test: sg.test });
  assert.deepEqual((await readBundleMeta(segResult.bundle)).labels, ['background', 'red', 'blue']);
  // Evaluated on the test split's pixels: 2 images of 64×64.
  assert.equal(segResult.metrics.count, sg.test * 64 * 64);
});
