// The multi-label source: a CSV/JSONL manifest of `path,labels` (';'-separated, JSONL lists too,
// empty = a negative image), unknown labels and a missing labels column named with the file and
// line, and COCO image-level labels (the categories annotated in each image).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { VisiontuneError } from '../../errors.js';
import { GREEN, put, RED, solidJpeg, tempDir } from '../test-fixtures.js';
import { openMultiLabelData, parseLabelList } from './multilabel.js';
import { makeSharedCoco } from './test-fixture.js';

async function images(root: string) {
  await put(join(root, 'img', 'a.jpg'), await solidJpeg(RED));
  await put(join(root, 'img', 'b.jpg'), await solidJpeg(GREEN));
  await put(join(root, 'img', 'c.jpg'), await solidJpeg(GREEN));
}

test('label lists: split on ;, trimmed, empty names and repeats dropped', () => {
  assert.deepEqual(parseLabelList(' cat; dog ;;cat'), ['cat', 'dog']);
  assert.deepEqual(parseLabelList(''), []);
  assert.deepEqual(parseLabelList(undefined), []);
});

test('CSV and JSONL manifests: label sets by index, splits, negatives', async (t) => {
  const root = await tempDir(t);
  await images(root);
  const csv = join(root, 'tags.csv');
  await put(csv, 'path,labels,split\nimg/a.jpg,sky;tree,\nimg/b.jpg,,\nimg/c.jpg,tree;car,val\n');
  const data = await openMultiLabelData(csv);
  assert.deepEqual(data.classes, ['car', 'sky', 'tree']);
  assert.deepEqual(
    data.splits.train!.map((s) => [s.id, s.labels]),
    [
      [join(root, 'img', 'a.jpg'), [1, 2]],
      [join(root, 'img', 'b.jpg'), []],
    ],
  );
  assert.deepEqual(data.splits.val![0]!.labels, [0, 2]);

  const jsonl = join(root, 'tags.jsonl');
  await put(
    jsonl,
    '{"path":"img/a.jpg","labels":["tree","sky"]}\n{"path":"img/c.jpg","labels":"car"}\n',
  );
  const fromJsonl = await openMultiLabelData(jsonl, { classes: ['car', 'sky', 'tree'] });
  assert.deepEqual(
    fromJsonl.splits.train!.map((s) => s.labels),
    [[1, 2], [0]],
  );
});

test('unknown labels, a missing labels column or field: named with file and line', async (t) => {
  const root = await tempDir(t);
  await images(root);
  const csv = join(root, 'tags.csv');
  await put(csv, 'path,labels\nimg/a.jpg,sky;boat;bus\nimg/b.jpg,sky\n');
  await assert.rejects(openMultiLabelData(csv, { classes: ['sky'] }), (err: unknown) => {
    assert.ok(err instanceof VisiontuneError);
    assert.match(
      err.details.join('\n'),
      /labels 'boat', 'bus' not in the class list \(.*tags\.csv line 2\)/,
    );
    return true;
  });
  const skipped = await openMultiLabelData(csv, { classes: ['sky'], skipBad: true });
  assert.equal(skipped.splits.train!.length, 1);
  assert.equal(skipped.skipped?.count, 1);

  const wrong = join(root, 'wrong.csv');
  await put(wrong, 'path,label\nimg/a.jpg,sky\n');
  await assert.rejects(openMultiLabelData(wrong), /wrong\.csv has no 'labels' column/);
  const jsonl = join(root, 'wrong.jsonl');
  await put(jsonl, '{"path":"img/a.jpg","label":"sky"}\n');
  await assert.rejects(openMultiLabelData(jsonl), (err: unknown) => {
    assert.ok(err instanceof VisiontuneError);
    assert.match(err.details.join('\n'), /wrong\.jsonl line 1: expected a 'labels' field/);
    return true;
  });
  await assert.rejects(openMultiLabelData(join(root, 'tags.txt')), /not a multi-label data set/);
});

test('COCO image-level labels: the categories annotated in each image', async (t) => {
  const root = await tempDir(t);
  const coco = await makeSharedCoco(root, { images: 6 });
  const data = await openMultiLabelData(coco.annotationFile);
  assert.deepEqual(data.classes, ['red', 'blue']);
  const json = JSON.parse(await readFile(coco.annotationFile, 'utf8'));
  const expected = json.images.map((im: { id: number }) =>
    [
      ...new Set(
        json.annotations
          .filter((a: { image_id: number }) => a.image_id === im.id)
          .map((a: { category_id: number }) => a.category_id - 1),
      ),
    ].sort(),
  );
  assert.deepEqual(
    data.splits.train!.map((s) => s.labels),
    expected,
  );
  assert.deepEqual(data.splits.train![4]!.labels, [], 'every 5th image is a negative');
  await assert.rejects(
    openMultiLabelData(coco.annotationFile, { classes: ['blue', 'red'] }),
    /categories \(red, blue\) differ from the classes given \(blue, red\)/,
  );
});
