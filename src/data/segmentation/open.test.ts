// openSegmentationData on each layout, from real files: an images/ + masks/ folder (classes.txt
// or given), a Pascal VOC folder (paletted masks, ImageSets list), and COCO polygons.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { colorizeMask } from '../../report/mask-images.js';
import { Rng } from '../../util/rng.js';
import { openSegmentationData, VOC_CLASSES } from './open.js';
import { sampleMask } from './sample-mask.js';
import { drawShapes, makeShapes, SHAPES_CLASSES, writeRgbPng } from './test-fixture.js';

let work: string;
before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-seg-open-'));
});
after(() => fs.rm(work, { recursive: true, force: true }));

test('folder: classes from classes.txt, from the option, or a clear error without either', async () => {
  const dir = path.join(work, 'folder');
  await makeShapes(dir, { images: 3, width: 24, seed: 1 });
  assert.deepEqual((await openSegmentationData(dir)).classes, SHAPES_CLASSES);
  const named = await openSegmentationData(dir, { classes: ['bg', 'r', 'b'] });
  assert.deepEqual(named.classes, ['bg', 'r', 'b']);
  assert.equal(named.samples.length, 3);
  await fs.rm(path.join(dir, 'classes.txt'));
  await assert.rejects(openSegmentationData(dir), /no classes\.txt/);
  await assert.rejects(openSegmentationData(path.join(work, 'nowhere')), /nowhere: not found/);
});

test('Pascal VOC: the split list, paletted masks read back to indices', async () => {
  const dir = path.join(work, 'voc');
  for (const sub of ['JPEGImages', 'SegmentationClass', 'ImageSets/Segmentation'])
    await fs.mkdir(path.join(dir, sub), { recursive: true });
  const rng = new Rng(2);
  const masks = [];
  for (const stem of ['a', 'b', 'c']) {
    const { rgb, mask } = drawShapes(20, 16, rng);
    // VOC classes 1 (aeroplane) and 15 (person), a 255 border pixel.
    for (let i = 0; i < mask.data.length; i++) mask.data[i] = [0, 1, 15][mask.data[i]];
    mask.data[0] = 255;
    masks.push(mask);
    await sharp(Buffer.from(rgb), { raw: { width: 20, height: 16, channels: 3 } })
      .jpeg()
      .toFile(path.join(dir, 'JPEGImages', `${stem}.jpg`));
    await sharp(Buffer.from(colorizeMask(mask)), { raw: { width: 20, height: 16, channels: 3 } })
      .png({ palette: true })
      .toFile(path.join(dir, 'SegmentationClass', `${stem}.png`));
  }
  await fs.writeFile(path.join(dir, 'ImageSets/Segmentation/train.txt'), 'a\nc\n');
  const data = await openSegmentationData(dir);
  assert.deepEqual(data.classes, VOC_CLASSES);
  assert.equal(data.maskMode, 'palette');
  assert.deepEqual(
    data.samples.map((s) => path.basename(s.image)),
    ['a.jpg', 'c.jpg'],
  );
  const read = await sampleMask(data.samples[1], data);
  assert.deepEqual([...read.data], [...masks[2].data]);
  await fs.writeFile(path.join(dir, 'ImageSets/Segmentation/val.txt'), 'b\nzz\n');
  await assert.rejects(openSegmentationData(dir, { split: 'val' }), /1 bad image\/mask pair/);
});

test('COCO: polygons painted per image with classes after background; crowds ignored', async () => {
  const dir = path.join(work, 'coco');
  await fs.mkdir(dir, { recursive: true });
  await writeRgbPng(path.join(dir, 'one.png'), new Uint8Array(10 * 8 * 3), 10, 8);
  const json = {
    images: [{ id: 7, file_name: 'one.png', width: 10, height: 8 }],
    categories: [
      { id: 5, name: 'cat' },
      { id: 2, name: 'dog' },
    ],
    annotations: [
      { id: 1, image_id: 7, category_id: 5, segmentation: [[0, 0, 4, 0, 4, 4, 0, 4]] },
      { id: 2, image_id: 7, category_id: 2, segmentation: [[6, 2, 10, 2, 10, 8, 6, 8]] },
      { id: 3, image_id: 7, category_id: 2, iscrowd: 1, segmentation: [[0, 6, 2, 6, 2, 8, 0, 8]] },
    ],
  };
  const file = path.join(dir, 'annotations.json');
  await fs.writeFile(file, JSON.stringify(json));
  const data = await openSegmentationData(file);
  assert.deepEqual(data.classes, ['background', 'dog', 'cat']);
  const mask = await sampleMask(data.samples[0], data, { width: 10, height: 8 });
  const at = (x: number, y: number) => mask.data[y * 10 + x];
  assert.equal(at(1, 1), 2); // cat (id 5) is class 2: categories go in id order
  assert.equal(at(8, 5), 1); // dog
  assert.equal(at(1, 7), 255); // crowd
  assert.equal(at(5, 1), 0);
  await assert.rejects(
    sampleMask(data.samples[0], data, { width: 12, height: 8 }),
    /image is 12×8 but its mask .* is 10×8/,
  );
});

test('entries leaving the data folder are refused: VOC list stems, COCO file_names, linked pairs', async () => {
  const dir = path.join(work, 'hostile');
  await fs.mkdir(path.join(dir, 'voc', 'ImageSets', 'Segmentation'), { recursive: true });
  await fs.mkdir(path.join(dir, 'voc', 'SegmentationClass'), { recursive: true });
  await fs.writeFile(path.join(dir, 'voc', 'ImageSets', 'Segmentation', 'train.txt'), '../../x\n');
  await assert.rejects(
    openSegmentationData(path.join(dir, 'voc')),
    (err: Error & { details: string[] }) => {
      assert.match(err.details.join('\n'), /JPEGImages\/\.\.\/\.\.\/x\.jpg' is outside/);
      return true;
    },
  );
  const coco = path.join(dir, 'coco.json');
  await fs.writeFile(
    coco,
    JSON.stringify({
      images: [{ id: 1, file_name: '/etc/hostname', width: 4, height: 4 }, { id: 2 }],
      annotations: [{ id: 3, image_id: 2, category_id: 1, segmentation: { counts: 'x' } }],
      categories: [{ id: 1, name: 'thing' }],
    }),
  );
  await assert.rejects(openSegmentationData(coco), (err: Error & { details: string[] }) => {
    const text = err.details.join('\n');
    assert.match(text, /image 1: '\/etc\/hostname' is outside/);
    assert.match(text, /images\[1\] \(id 2\): file_name: /);
    assert.match(text, /annotations\[0\] \(id 3\): segmentation/);
    return true;
  });
  const folder = path.join(dir, 'folder');
  await makeShapes(folder, { images: 2, width: 16, seed: 3 });
  const outside = path.join(dir, 'outside-masks');
  await fs.rename(path.join(folder, 'masks'), outside);
  await fs.symlink(outside, path.join(folder, 'masks'));
  await assert.rejects(openSegmentationData(folder), (err: Error & { details: string[] }) => {
    assert.match(err.details[0]!, /masks\/\w+\.png' is outside/);
    return true;
  });
});
