// Tests for the multi-task benchmark's shared-image set (run explicitly: node --import tsx --test
// bench/multitask/make-set.test.ts). Each task's file is opened with the task opener the runs use:
// the three tasks name the same image files (one merge key per image), and the kinds file's RLE
// masks paint exactly the 20-class index masks with each class mapped to its kind.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { taskDataSchema } from '../../src/data/multitask/config.js';
import { openTaskData } from '../../src/data/multitask/open-task.js';
import { FASHION_OFFSET } from '../segment/make-segmentation-set.js';
import { KINDS, type MultiTaskSet, makeMultiTaskSet } from './make-set.js';

let root = '';
let set: MultiTaskSet;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'mt-set-'));
  set = await makeMultiTaskSet({ dir: root, images: 6, size: 64, seed: 3, split: 'train' });
});
after(() => rm(root, { recursive: true, force: true }));

const open = (name: string, kind: string, data: string) =>
  openTaskData(taskDataSchema.parse({ name, kind, data: join(root, data), val: 0 }), { seed: 0 });

test('classification, kind boxes and kind masks label the same six image files', async () => {
  const cls = await open('cls', 'classification', 'classes.csv');
  const det = await open('det', 'detection', 'annotations-kinds.json');
  const seg = await open('seg', 'segmentation', 'annotations-kinds.json');
  assert.equal(set.images, 6);
  const keys = (items: { key: string }[]) => items.map((i) => i.key).sort();
  assert.equal(cls.train.length, 6);
  assert.deepEqual(keys(det.train), keys(cls.train));
  assert.deepEqual(keys(seg.train), keys(cls.train));
  assert.deepEqual(det.classes, [...KINDS]);
  assert.deepEqual(seg.classes, ['background', ...KINDS]);
  // The image labels seen in six images: some of the 20 classes.
  assert.ok(
    cls.classes.every((c) => set.classes.includes(c)),
    cls.classes.join(),
  );
});

test('the kinds masks are the index masks with every class mapped to its kind', async () => {
  const seg = await open('seg', 'segmentation', 'annotations-kinds.json');
  let objectPixels = 0;
  for (const item of seg.train) {
    const label = item.label as Extract<typeof item.label, { kind: 'segmentation' }>;
    const painted = label.sample.paint!();
    const maskFile = item.id.replace('/images/', '/masks/').replace(/\.(jpg|png)$/, '.png');
    const { data } = await sharp(maskFile)
      .extractChannel(0)
      .raw()
      .toBuffer({ resolveWithObject: true });
    const expected = Uint8Array.from(data, (v) => (v === 0 ? 0 : v < FASHION_OFFSET ? 1 : 2));
    assert.equal(painted.width * painted.height, expected.length);
    assert.deepEqual(painted.data, expected, item.id);
    objectPixels += expected.filter((v) => v > 0).length;
  }
  assert.ok(objectPixels > 0);
});
