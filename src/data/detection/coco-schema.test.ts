// COCO files that are not what they claim: the shape is checked entry by entry, naming the file,
// the entry and the field; named images are confined to the images folder.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { z } from 'zod';
import type { VisiontuneError } from '../../errors.js';
import { openCoco } from './coco.js';
import { cocoBoxAnnotationSchema, readCocoFile } from './coco-schema.js';
import { locateFile, locateFiles } from './locate.js';

let root: string;
before(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-coco-schema-'));
  await fs.mkdir(path.join(root, 'data', 'img'), { recursive: true });
  await fs.mkdir(path.join(root, 'outside'));
  await fs.writeFile(path.join(root, 'data', 'img', 'a.jpg'), 'x');
  await fs.writeFile(path.join(root, 'outside', 'secret.jpg'), 'x');
  await fs.symlink(
    path.join(root, 'outside', 'secret.jpg'),
    path.join(root, 'data', 'img', 'l.jpg'),
  );
});
after(() => fs.rm(root, { recursive: true, force: true }));

async function cocoFile(name: string, json: unknown): Promise<string> {
  const file = path.join(root, 'data', name);
  await fs.writeFile(file, JSON.stringify(json));
  return file;
}

const categories = [{ id: 1, name: 'cat' }];

test('bad entries become problems naming entry and field; good ones load', async () => {
  const file = await cocoFile('entries.json', {
    images: [
      { id: 1, file_name: 'img/a.jpg', width: 8, height: 8 },
      null,
      { id: 2, width: 8, height: 8 },
      { id: 3, file_name: 'img/a.jpg', width: '8', height: 8 },
    ],
    annotations: [
      { id: 7, image_id: 1, category_id: { id: 1 }, bbox: [0, 0, 1, 1] },
      'box',
      { id: 8, image_id: 1, category_id: 1, bbox: [0, 0, 2, 2] },
    ],
    categories,
  });
  const coco = await readCocoFile(file, cocoBoxAnnotationSchema);
  assert.deepEqual(
    coco.images.map((i) => i.id),
    [1],
  );
  assert.deepEqual(
    coco.annotations.map((a) => a.id),
    [8],
  );
  const text = coco.bad.map((b) => `${b.where}: ${b.reason}`).join('\n');
  assert.match(text, /entries\.json: images\[1\]: entry: .*expected object, received null/);
  assert.match(text, /images\[2\] \(id 2\): file_name: .*expected string, received undefined/);
  assert.match(text, /images\[3\] \(id 3\): width: .*expected number, received string/);
  assert.match(text, /annotations\[0\] \(id 7\): category_id: .*expected number, received object/);
  assert.match(text, /annotations\[1\]: entry: .*expected object, received string/);
  const loaded = await openCoco(file, { skipBad: true });
  assert.equal(loaded.samples.length, 1);
  assert.equal(loaded.samples[0]!.boxes.length, 1);
  assert.equal(loaded.skipped.length, 5);
});

test('a file that is not COCO, or bad categories, fail at once naming the file', async () => {
  for (const json of [null, [], { images: {}, categories }, { images: [], categories: 'x' }]) {
    const file = await cocoFile('shape.json', json);
    await assert.rejects(readCocoFile(file, z.unknown()), /shape\.json: not a COCO file/);
  }
  const annotations = await cocoFile('ann.json', { images: [], categories, annotations: {} });
  await assert.rejects(readCocoFile(annotations, z.unknown()), /"annotations" must be an array/);
  const badCat = await cocoFile('cat.json', { images: [], categories: [{ id: 'a', name: 1 }] });
  await assert.rejects(readCocoFile(badCat, z.unknown()), (err: VisiontuneError) => {
    assert.match(err.message, /cat\.json: 1 bad category/);
    assert.match(err.details.join('\n'), /categories\[0\] \(id a\): id: .*expected number/);
    return true;
  });
  const twice = await cocoFile('twice.json', {
    images: [],
    categories: [...categories, ...categories],
  });
  await assert.rejects(readCocoFile(twice, z.unknown()), /category id 1 appears twice/);
});

test('file_name leaving the images folder is refused alike whether it exists or not', async () => {
  const names = ['../outside/secret.jpg', '../outside/none.jpg', 'img/l.jpg'];
  const file = await cocoFile('escape.json', {
    images: names.map((file_name, i) => ({ id: i + 1, file_name, width: 8, height: 8 })),
    categories,
  });
  const loaded = await openCoco(file, { skipBad: true });
  assert.equal(loaded.samples.length, 0);
  const reasons = loaded.skipped.map((s) => s.reason);
  assert.equal(reasons[0], reasons[1]!.replace('none', 'secret'));
  for (const [i, r] of reasons.entries()) assert.match(r, new RegExp(`'${names[i]}' is outside`));
});

test('locateFiles answers as locateFile does, entry by entry', async () => {
  const dir = path.join(root, 'data');
  const entries = [
    'img/a.jpg',
    'img/l.jpg',
    'img/none.jpg',
    '../outside/secret.jpg',
    'img',
    'a\0b',
  ];
  const one = await Promise.all(entries.map((e) => locateFile(dir, e)));
  assert.deepEqual(await locateFiles(dir, entries), one);
  assert.deepEqual(one[0], { path: path.join(dir, 'img', 'a.jpg') });
  assert.match((one[4] as { reason: string }).reason, /a folder, not a regular file/);
});
