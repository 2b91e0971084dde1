import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { exitCodeOf, VisiontuneError } from '../../errors.js';
import {
  BLUE,
  GREEN,
  put,
  RED,
  randomBytes,
  solidJpeg,
  tempDir,
  truncatedJpeg,
} from '../test-fixtures.js';
import { openFolder } from './folder.js';
import { openSource } from './open.js';

async function goodTree(root: string) {
  await put(join(root, 'dog', 'a.jpg'), await solidJpeg(RED));
  await put(join(root, 'dog', 'b.jpg'), await solidJpeg(RED));
  await put(join(root, 'cat', 'x.jpg'), await solidJpeg(GREEN));
  await put(join(root, 'cat', 'nested', 'y.jpg'), await solidJpeg(GREEN));
  await put(join(root, 'cat', 'z.jpg'), await solidJpeg(GREEN));
  await put(join(root, 'README.md'), 'root files are ignored');
  await put(join(root, 'cat', '.DS_Store'), 'dotfiles are ignored');
}

test('flat folder: sorted classes, every image once, labels by class', async (t) => {
  const root = await tempDir(t);
  await goodTree(root);
  const src = await openSource(root);
  assert.deepEqual(src.classes, ['cat', 'dog']);
  assert.deepEqual(Object.keys(src.splits), ['train']);
  const train = src.splits.train!;
  assert.equal(train.length, 5);
  assert.deepEqual(
    train.map((s) => [s.id.slice(root.length + 1), s.label]),
    [
      ['cat/nested/y.jpg', 0],
      ['cat/x.jpg', 0],
      ['cat/z.jpg', 0],
      ['dog/a.jpg', 1],
      ['dog/b.jpg', 1],
    ],
  );
  assert.equal(src.skipped, undefined);
  const img = await src.read(train[3]!);
  assert.deepEqual([img.width, img.height], [8, 8]);
  assert.ok(img.data[0]! > 200 && img.data[1]! < 50);
});

test('split layout: train/val/test folders become splits with one class list', async (t) => {
  const root = await tempDir(t);
  await put(join(root, 'train', 'b', '1.png'), await solidJpeg(BLUE));
  await put(join(root, 'train', 'a', '1.jpg'), await solidJpeg(RED));
  await put(join(root, 'val', 'a', '2.jpg'), await solidJpeg(RED));
  await put(join(root, 'test', 'c', '3.jpg'), await solidJpeg(GREEN));
  const src = await openFolder(root);
  assert.deepEqual(src.classes, ['a', 'b', 'c']);
  assert.deepEqual(src.splits.train!.map((s) => s.label).sort(), [0, 1]);
  assert.deepEqual(
    src.splits.val!.map((s) => s.label),
    [0],
  );
  assert.deepEqual(
    src.splits.test!.map((s) => s.label),
    [2],
  );
});

async function badTree(root: string) {
  await put(join(root, 'dog', 'ok.jpg'), await solidJpeg(RED));
  await put(join(root, 'dog', 'corrupt.jpg'), randomBytes(400));
  await put(join(root, 'dog', 'notes.txt'), 'not an image');
  await put(join(root, 'cat', 'ok.jpg'), await solidJpeg(GREEN));
  await put(join(root, 'cat', 'cut.jpg'), await truncatedJpeg());
  await mkdir(join(root, 'bird'));
}

test('corrupt JPEG, .txt and empty class: one badInput naming all three', async (t) => {
  const root = await tempDir(t);
  await badTree(root);
  await assert.rejects(openSource(root), (err: unknown) => {
    assert.ok(err instanceof VisiontuneError);
    assert.equal(exitCodeOf(err), 2);
    assert.match(err.message, /3 bad inputs/);
    assert.deepEqual(err.details, [
      `${join(root, 'bird')}: empty class folder (no images)`,
      `${join(root, 'dog', 'notes.txt')}: not an image file (extension '.txt')`,
      `${join(root, 'dog', 'corrupt.jpg')}: not a supported image (unrecognized or corrupt data)`,
    ]);
    return true;
  });
});

test("verify: 'full' also catches the truncated JPEG up front", async (t) => {
  const root = await tempDir(t);
  await badTree(root);
  await assert.rejects(openFolder(root, { verify: 'full' }), (err: unknown) => {
    assert.ok(err instanceof VisiontuneError);
    assert.equal(err.details.length, 4);
    assert.ok(
      err.details.some(
        (d) => d.startsWith(`${join(root, 'cat', 'cut.jpg')}: `) && /truncated/.test(d),
      ),
    );
    return true;
  });
});

test('skipBad: bad items are left out and reported; empty classes drop out', async (t) => {
  const root = await tempDir(t);
  await badTree(root);
  const src = await openFolder(root, { skipBad: true });
  assert.deepEqual(src.classes, ['cat', 'dog']);
  // The truncated file passes the header check; the loader skips it lazily.
  assert.deepEqual(
    src.splits.train!.map((s) => s.id.slice(root.length + 1)),
    ['cat/cut.jpg', 'cat/ok.jpg', 'dog/ok.jpg'],
  );
  assert.equal(src.skipped?.count, 3);
  assert.equal(src.skipped?.examples.length, 3);
  assert.match(src.skipped!.examples[2]!, /corrupt\.jpg: /);
});

test('label set: class folders outside it are bad input; indices follow the set', async (t) => {
  const root = await tempDir(t);
  await goodTree(root);
  const src = await openFolder(root, { labels: ['dog', 'cat'] });
  assert.deepEqual(src.classes, ['dog', 'cat']);
  assert.equal(src.splits.train!.find((s) => s.id.endsWith('a.jpg'))!.label, 0);
  await assert.rejects(openFolder(root, { labels: ['dog'] }), (err: unknown) => {
    assert.ok(err instanceof VisiontuneError);
    assert.deepEqual(err.details, [`${join(root, 'cat')}: class 'cat' is not in the label set`]);
    return true;
  });
});

test('missing or class-less folders are bad input', async (t) => {
  const root = await tempDir(t);
  await assert.rejects(openSource(join(root, 'nope')), /Data not found/);
  await assert.rejects(openFolder(root), /No class folders/);
});
