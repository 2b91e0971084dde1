// Opening a multi-task run's data: a COCO file with boxes and polygons feeding a detection and a
// segmentation task on the same images; images merged by real path across formats and path
// spellings (a symbolic link, `..`); a seeded hold-out that picks the same images in every task;
// images one task validates on kept out of every task's training; bad task lists named.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { VisiontuneError } from '../../errors.js';
import { put, tempDir } from '../test-fixtures.js';
import { openMultiTaskData } from './open.js';
import { makeSharedCoco } from './test-fixture.js';

const names = (samples: { key: string }[]) => samples.map((s) => s.key.split('/').pop());

test('a COCO file with boxes and masks feeds a detection and a segmentation task at once', async (t) => {
  const root = await tempDir(t);
  const coco = await makeSharedCoco(root, { images: 10 });
  const data = await openMultiTaskData(
    [
      { name: 'boxes', kind: 'detection', data: coco.annotationFile, val: 0.2 },
      { name: 'masks', kind: 'segmentation', data: coco.annotationFile, val: 0.2 },
    ],
    { seed: 4 },
  );
  assert.equal(data.train.length, 8, 'one sample per image, not per label');
  assert.equal(data.val.length, 2);
  for (const s of [...data.train, ...data.val]) {
    assert.deepEqual(Object.keys(s.labels), ['boxes', 'masks'], s.id);
    assert.equal(s.key, await fs.realpath(s.id));
  }
  // The same images held out by both tasks (the hold-out goes by image).
  const [boxes, masks] = data.tasks;
  assert.deepEqual(names(boxes!.val), names(masks!.val));
  assert.equal(boxes!.valFrom, 'holdout');
  assert.deepEqual(masks!.classes, ['background', 'red', 'blue']);
  assert.equal(masks!.ignoreIndex, 255);
  assert.deepEqual(boxes!.classes, ['red', 'blue']);
  assert.deepEqual(data.heldOutElsewhere, { boxes: 0, masks: 0 });
  assert.deepEqual(
    data.evaluation.map((s) => s.key),
    data.val.map((s) => s.key),
  );

  // A larger fraction holds out a superset; what either task holds out trains neither.
  const nested = await openMultiTaskData(
    [
      { name: 'boxes', kind: 'detection', data: coco.annotationFile, val: 0.2 },
      { name: 'masks', kind: 'segmentation', data: coco.annotationFile, val: 0.5 },
    ],
    { seed: 4 },
  );
  const [small, large] = nested.tasks;
  assert.ok(names(small!.val).every((n) => names(large!.val).includes(n)));
  assert.equal(nested.train.length, 5);
  assert.deepEqual(nested.heldOutElsewhere, { boxes: 3, masks: 0 });
  for (const s of nested.train) assert.deepEqual(Object.keys(s.labels), ['boxes', 'masks']);
});

test('images merge by real path across formats, links and .. spellings', async (t) => {
  const root = await tempDir(t);
  const coco = await makeSharedCoco(root, { images: 6 });
  await fs.symlink(join(root, 'images'), join(root, 'alias'));
  const extra = join(root, 'extra', 'x.png');
  await fs.mkdir(join(root, 'extra'));
  await sharp(Buffer.alloc(16 * 16 * 3, 200), { raw: { width: 16, height: 16, channels: 3 } })
    .png()
    .toFile(extra);
  const kinds = join(root, 'kinds.csv');
  await put(
    kinds,
    'path,label\nalias/img000.png,cat\nimages/../images/img001.png,dog\nextra/x.png,cat\n',
  );
  const tags = join(root, 'tags.jsonl');
  await put(tags, '{"path":"alias/img002.png","labels":["sun"]}\n');
  const data = await openMultiTaskData(
    [
      { name: 'boxes', kind: 'detection', data: coco.annotationFile, val: 0 },
      { name: 'kind', kind: 'classification', data: kinds, val: 0 },
      { name: 'tags', kind: 'multilabel', data: tags, val: 0 },
    ],
    { seed: 0 },
  );
  assert.equal(data.train.length, 7, '6 COCO images + 1 only the classification task labels');
  const byName = new Map(data.train.map((s) => [s.key.split('/').pop(), s]));
  assert.deepEqual(Object.keys(byName.get('img000.png')!.labels), ['boxes', 'kind']);
  assert.deepEqual(Object.keys(byName.get('img001.png')!.labels), ['boxes', 'kind']);
  assert.deepEqual(Object.keys(byName.get('img002.png')!.labels), ['boxes', 'tags']);
  assert.deepEqual(Object.keys(byName.get('x.png')!.labels), ['kind']);
  assert.equal(byName.get('img000.png')!.id, coco.files[0], 'named as the first task names it');
  const label = byName.get('img001.png')!.labels.kind;
  assert.equal(label?.kind === 'classification' && label.class, 1, 'dog');

  // Labelled twice by one task (two spellings of one file): refused naming it; skipBad keeps one.
  const twice = join(root, 'twice.csv');
  await put(twice, 'path,label\nalias/img000.png,cat\nimages/img000.png,dog\n');
  const tasks = [{ name: 'kind', kind: 'classification' as const, data: twice, val: 0 }];
  await assert.rejects(openMultiTaskData(tasks, { seed: 0 }), (err: unknown) => {
    assert.ok(err instanceof VisiontuneError);
    assert.match(err.message, /task kind: an image is labelled twice/);
    assert.match(
      err.details[0]!,
      /img000\.png: labelled twice by task kind \(also as .*alias\/img000\.png\)/,
    );
    return true;
  });
  const kept = await openMultiTaskData(tasks, { seed: 0, skipBad: true });
  assert.equal(kept.train.length, 1);
  assert.equal(kept.duplicates.length, 1);
});

test("a task's own val split or val data: its images train no task", async (t) => {
  const root = await tempDir(t);
  const coco = await makeSharedCoco(root, { images: 6 });
  const kinds = join(root, 'kinds.csv');
  await put(kinds, 'path,label,split\nimages/img000.png,cat,val\nimages/img001.png,dog,train\n');
  const data = await openMultiTaskData(
    [
      { name: 'boxes', kind: 'detection', data: coco.annotationFile, val: 0 },
      { name: 'kind', kind: 'classification', data: kinds },
    ],
    { seed: 0 },
  );
  assert.equal(data.tasks[1]!.valFrom, 'split');
  assert.deepEqual(data.heldOutElsewhere, { boxes: 1, kind: 0 });
  assert.ok(!names(data.train).includes('img000.png'));
  assert.deepEqual(names(data.val), ['img000.png']);
  assert.deepEqual(Object.keys(data.val[0]!.labels), ['kind']);

  // Validation data with other categories is refused, naming both lists.
  const other = await makeSharedCoco(join(root, 'other'), { images: 2 });
  const json = JSON.parse(await fs.readFile(other.annotationFile, 'utf8'));
  json.categories[1].name = 'green';
  await fs.writeFile(other.annotationFile, JSON.stringify(json));
  await assert.rejects(
    openMultiTaskData(
      [
        {
          name: 'boxes',
          kind: 'detection',
          data: coco.annotationFile,
          valData: other.annotationFile,
        },
      ],
      { seed: 0 },
    ),
    /task boxes: .*shared\.json's classes \(red, green\) differ from the training data's \(red, blue\)/,
  );
});

test('a built-in data set merges by its ids; its test split is the evaluation', async () => {
  const data = await openMultiTaskData(
    [{ name: 'digits', kind: 'classification', data: 'mnist', val: 0.1 }],
    { seed: 0 },
  );
  const [digits] = data.tasks;
  assert.equal(digits!.valFrom, 'holdout');
  assert.ok(data.train[0]!.key.startsWith('mnist:'));
  assert.equal(data.train.length + data.val.length, digits!.train.length + digits!.val.length);
  assert.equal(data.evaluation.length, digits!.test!.length);
  const image = await data.train[0]!.read();
  assert.deepEqual([image.width, image.height], [28, 28]);
});

test('bad task lists are named: names, kinds, repeats, missing data', async (t) => {
  const root = await tempDir(t);
  const coco = await makeSharedCoco(root, { images: 2 });
  const data = coco.annotationFile;
  await assert.rejects(openMultiTaskData([], { seed: 0 }), /at least one task/);
  await assert.rejects(
    openMultiTaskData([{ name: 'Boxes', kind: 'detection', data }], { seed: 0 }),
    /task 1 \(Boxes\): name: lowercase letters/,
  );
  await assert.rejects(
    openMultiTaskData([{ name: 'boxes', kind: 'pose' as 'detection', data }], { seed: 0 }),
    /task 1 \(boxes\): kind: /,
  );
  await assert.rejects(
    openMultiTaskData(
      [
        { name: 'boxes', kind: 'detection', data },
        { name: 'boxes', kind: 'segmentation', data },
      ],
      { seed: 0 },
    ),
    /task name 'boxes' is used twice/,
  );
  await assert.rejects(
    openMultiTaskData([{ name: 'boxes', kind: 'detection', data: join(root, 'nope.json') }], {
      seed: 0,
    }),
    /nope\.json/,
  );
});
