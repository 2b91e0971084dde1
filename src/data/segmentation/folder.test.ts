// A segmentation folder written with sharp: good pairs open; a missing mask and a mask of the wrong
// size fail together in one error naming the files and sizes, or are left out and counted under
// skipBad.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import type { VisiontuneError } from '../../errors.js';
import { openSegmentationFolder } from './folder.js';

let root: string;
const CLASSES = ['background', 'road'];

async function image(file: string, width: number, height: number) {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const img = sharp({ create: { width, height, channels: 3, background: { r: 1, g: 1, b: 1 } } });
  await (file.endsWith('.jpg') ? img.jpeg() : img.png()).toFile(file);
}

before(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-segfolder-'));
  await image(path.join(root, 'images/a.jpg'), 32, 24);
  await image(path.join(root, 'masks/a.png'), 32, 24);
  await image(path.join(root, 'images/b.png'), 16, 16);
  await image(path.join(root, 'masks/b.png'), 16, 16);
  await image(path.join(root, 'images/c.jpg'), 20, 10); // no mask
  await image(path.join(root, 'images/d.jpg'), 40, 30);
  await image(path.join(root, 'masks/d.png'), 30, 40); // wrong size
  await fs.writeFile(path.join(root, 'images/notes.txt'), 'not an image');
});
after(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

test('bad pairs fail together, each named', async () => {
  await assert.rejects(
    openSegmentationFolder(root, { classes: CLASSES, mode: 'index' }),
    (err: unknown) => {
      const e = err as VisiontuneError;
      assert.equal(e.code, 'BAD_INPUT');
      assert.match(e.message, /2 bad/);
      assert.equal(e.details.length, 2);
      assert.match(e.details[0]!, /images\/c\.jpg: no mask .*masks\/c\.png/);
      assert.match(
        e.details[1]!,
        /images\/d\.jpg: image is 40×30 but its mask .*masks\/d\.png is 30×40/,
      );
      return true;
    },
  );
});

test('skipBad keeps the good pairs and lists the rest', async () => {
  const ds = await openSegmentationFolder(root, {
    classes: CLASSES,
    mode: 'palette',
    skipBad: true,
  });
  assert.deepEqual(
    ds.samples.map((s) => [path.relative(root, s.image), path.relative(root, s.mask)]),
    [
      ['images/a.jpg', 'masks/a.png'],
      ['images/b.png', 'masks/b.png'],
    ],
  );
  assert.equal(ds.skipped.length, 2);
  assert.deepEqual(
    ds.skipped.map((s) => path.basename(s.where)),
    ['c.jpg', 'd.jpg'],
  );
  assert.equal(ds.ignoreIndex, 255);
  assert.equal(ds.maskMode, 'palette');
  assert.deepEqual(ds.classes, CLASSES);
});

test('a folder given by a path relative to the working directory opens', async (t) => {
  // From the folder's parent: the relative path is the folder's name, no `..` to cancel out.
  const cwd = process.cwd();
  process.chdir(path.dirname(root));
  t.after(() => process.chdir(cwd));
  const relative = path.basename(root);
  const ds = await openSegmentationFolder(relative, {
    classes: CLASSES,
    mode: 'index',
    skipBad: true,
  });
  assert.deepEqual(
    ds.samples.map((s) => [s.image, s.mask]),
    [
      [path.join(relative, 'images/a.jpg'), path.join(relative, 'masks/a.png')],
      [path.join(relative, 'images/b.png'), path.join(relative, 'masks/b.png')],
    ],
  );
});

test('a folder without images/ is named', async () => {
  await assert.rejects(
    openSegmentationFolder(path.join(root, 'nowhere'), { classes: CLASSES, mode: 'index' }),
    /nowhere.*images: folder not found/,
  );
});
