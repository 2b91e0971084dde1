// One small data set written as COCO JSON, YOLO and Pascal VOC (real JPEGs from sharp) loads to the
// same samples from each; bad annotations fail with the file and annotation named, or are left
// out and counted under skipBad.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import type { VisiontuneError } from '../../errors.js';
import { openCoco } from './coco.js';
import type { DetectionDataset } from './types.js';
import { openVoc } from './voc.js';
import { openYolo } from './yolo.js';

/** Three images (one a negative), two classes, integer pixel boxes [x, y, w, h]. */
const IMAGES = [
  {
    file: 'a.jpg',
    width: 64,
    height: 48,
    boxes: [
      ['cat', [4, 6, 20, 10]],
      ['dog', [30, 0, 34, 48]],
    ],
  },
  { file: 'b.jpg', width: 48, height: 48, boxes: [['dog', [0, 0, 1, 1]]] },
  { file: 'c.jpg', width: 40, height: 60, boxes: [] },
] as const;
const CLASSES = ['cat', 'dog'];
const COCO_IDS = { cat: 3, dog: 7 } as const;

let root: string;
const write = async (file: string, text: string) => {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, text);
};
async function jpeg(file: string, width: number, height: number) {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await sharp({ create: { width, height, channels: 3, background: { r: 90, g: 140, b: 60 } } })
    .jpeg()
    .toFile(file);
}

before(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-det-'));
  let annotation = 0;
  const coco = {
    images: IMAGES.map((im, i) => ({
      id: i + 1,
      file_name: im.file,
      width: im.width,
      height: im.height,
    })),
    annotations: IMAGES.flatMap((im, i) =>
      im.boxes.map(([name, bbox]) => ({
        id: ++annotation,
        image_id: i + 1,
        category_id: COCO_IDS[name],
        bbox,
        iscrowd: 0,
      })),
    ),
    categories: [
      { id: 7, name: 'dog' },
      { id: 3, name: 'cat' },
    ],
  };
  await write(path.join(root, 'coco', 'annotations.json'), JSON.stringify(coco));
  await write(
    path.join(root, 'yolo', 'data.yaml'),
    'path: .\ntrain: images/train\nnames:\n  0: cat\n  1: dog\n',
  );
  for (const im of IMAGES) {
    await jpeg(path.join(root, 'coco', 'images', im.file), im.width, im.height);
    await jpeg(path.join(root, 'yolo', 'images', 'train', im.file), im.width, im.height);
    await jpeg(path.join(root, 'voc', 'JPEGImages', im.file), im.width, im.height);
    const stem = im.file.replace('.jpg', '');
    if (im.boxes.length > 0) {
      const lines = im.boxes.map(([name, [x, y, w, h]]) =>
        [
          CLASSES.indexOf(name),
          (x + w / 2) / im.width,
          (y + h / 2) / im.height,
          w / im.width,
          h / im.height,
        ].join(' '),
      );
      await write(
        path.join(root, 'yolo', 'labels', 'train', `${stem}.txt`),
        `${lines.join('\n')}\n`,
      );
    }
    const objects = im.boxes
      .map(
        ([name, [x, y, w, h]]) =>
          `<object><name>${name}</name><difficult>0</difficult><bndbox><xmin>${x + 1}</xmin><ymin>${y + 1}</ymin><xmax>${x + w}</xmax><ymax>${y + h}</ymax></bndbox></object>`,
      )
      .join('');
    await write(
      path.join(root, 'voc', 'Annotations', `${stem}.xml`),
      `<annotation><filename>${im.file}</filename><size><width>${im.width}</width><height>${im.height}</height><depth>3</depth></size>${objects}</annotation>`,
    );
  }
});
after(() => fs.rm(root, { recursive: true, force: true }));

/** Format-free view: file name, size, boxes as (class name, rounded pixels), sorted. */
function normalized(d: DetectionDataset) {
  return d.samples
    .map((s) => ({
      file: path.basename(s.id),
      width: s.width,
      height: s.height,
      boxes: s.boxes
        .map(
          (b) => [d.categories[b.category], b.bbox.map((v) => Math.round(v * 1e6) / 1e6)] as const,
        )
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    }))
    .sort((a, b) => a.file.localeCompare(b.file));
}

test('COCO, YOLO and VOC versions of one data set load to identical samples', async () => {
  const coco = await openCoco(path.join(root, 'coco', 'annotations.json'), {
    images: path.join(root, 'coco', 'images'),
  });
  const yolo = await openYolo(path.join(root, 'yolo', 'data.yaml'));
  const voc = await openVoc(path.join(root, 'voc'));
  const expected = IMAGES.map((im) => ({
    file: im.file,
    width: im.width,
    height: im.height,
    boxes: im.boxes.map(([name, bbox]) => [name, [...bbox]]),
  }));
  assert.deepEqual(normalized(coco), expected);
  assert.deepEqual(normalized(yolo), expected);
  assert.deepEqual(normalized(voc), expected);
  for (const d of [coco, yolo, voc]) assert.deepEqual(d.categories, CLASSES, d.format);
});

test('bad COCO annotations fail naming the file and annotation, or are skipped and counted', async () => {
  const file = path.join(root, 'coco', 'bad.json');
  await write(
    file,
    JSON.stringify({
      images: [
        { id: 1, file_name: 'a.jpg', width: 64, height: 48 },
        { id: 2, file_name: 'missing.jpg', width: 10, height: 10 },
      ],
      annotations: [
        { id: 10, image_id: 1, category_id: 1, bbox: [50, 40, 30, 30] },
        { id: 11, image_id: 1, category_id: 1, bbox: [5, 5, 0, 4] },
        { id: 12, image_id: 1, category_id: 9, bbox: [5, 5, 4, 4] },
        { id: 13, image_id: 1, category_id: 1, bbox: [5, 5, 4, 4] },
      ],
      categories: [{ id: 1, name: 'cat' }],
    }),
  );
  const images = path.join(root, 'coco', 'images');
  await assert.rejects(openCoco(file, { images }), (err: VisiontuneError) => {
    assert.equal(err.exitCode, 2);
    const text = err.details.join('\n');
    assert.match(text, /image 2: .*missing\.jpg: file not found/);
    assert.match(text, /annotation 10: box \[50, 40, 30, 30\] reaches outside the 64×48 image/);
    assert.match(text, /annotation 11: .*has no area/);
    assert.match(text, /annotation 12: category_id 9 is not in "categories"/);
    return true;
  });
  const skipped = await openCoco(file, { images, skipBad: true });
  assert.equal(skipped.skipped.length, 4);
  assert.deepEqual(
    skipped.samples.map((s) => s.boxes.map((b) => b.bbox)),
    [[[5, 5, 4, 4]]],
  );
});

test('bad YOLO and VOC labels name the file and line or object', async () => {
  await write(path.join(root, 'yolo-bad', 'data.yaml'), 'train: images\nnames: [cat]\n');
  await jpeg(path.join(root, 'yolo-bad', 'images', 'x.jpg'), 20, 20);
  await write(
    path.join(root, 'yolo-bad', 'labels', 'x.txt'),
    '0 0.5 0.5 0.2 0.2\n3 0.5 0.5 0.2 0.2\n0 0.5 oops\n',
  );
  await assert.rejects(
    openYolo(path.join(root, 'yolo-bad', 'data.yaml')),
    (err: VisiontuneError) => {
      const text = err.details.join('\n');
      assert.match(text, /x\.txt:2: class 3 is not one of the 1/);
      assert.match(text, /x\.txt:3: expected "class cx cy w h"/);
      return true;
    },
  );
  const voc = path.join(root, 'voc');
  await assert.rejects(openVoc(voc, { classes: ['cat'] }), /bad annotation/);
  const kept = await openVoc(voc, { classes: ['cat'], skipBad: true });
  assert.equal(kept.skipped.length, 2, 'the two dog boxes');
  assert.match(kept.skipped[0].where, /a\.xml: object 2/);
});
