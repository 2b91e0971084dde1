// The label routes through a real studio: boxes into the split's COCO file and polygons into index
// masks, read back by the CLI's own readers; shapes checked with messages naming the field;
// the even-odd fill and the paint order of the rasterizer.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { openCoco } from '../../data/detection/coco.js';
import { openSegmentationFolder } from '../../data/segmentation/folder.js';
import { readMask } from '../../data/segmentation/read-mask.js';
import { rasterize } from './shapes.js';
import { seg, shapeImage, startStudio, type TestStudio } from './test-support.js';

let s: TestStudio;
before(async () => {
  s = await startStudio();
  await s.call('POST', '/api/projects', {
    name: 'det',
    task: 'detection',
    classes: ['red', 'blue'],
  });
  await s.call('POST', '/api/projects', {
    name: 'seg',
    task: 'segmentation',
    classes: ['red', 'blue'],
  });
});
after(() => s.close());

const put = (project: string, id: string, body: unknown) =>
  s.call('PUT', `/api/projects/${project}/labels/${seg(id)}`, body);

test('detection: boxes saved into the split COCO file the CLI reads; clipped; a negative image', async () => {
  await s.upload('/api/projects/det/images', [
    { name: 'one.png', bytes: await shapeImage({ width: 40, height: 30 }) },
    { name: 'empty.png', bytes: await shapeImage() },
  ]);
  let r = await put('det', 'unlabelled/train/one.png', {
    boxes: [
      { label: 'red', x: 8, y: 8, width: 12, height: 12 },
      { label: 'blue', x: 30, y: -5, width: 20, height: 10 },
    ],
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.image, {
    id: 'images/one.png',
    split: 'train',
    labelled: true,
    width: 40,
    height: 30,
    objects: 2,
  });
  r = await s.call('GET', `/api/projects/det/labels/${seg('images/one.png')}`);
  assert.deepEqual(r.body.boxes, [
    { label: 'red', x: 8, y: 8, width: 12, height: 12 },
    { label: 'blue', x: 30, y: 0, width: 10, height: 5 },
  ]);
  r = await put('det', 'unlabelled/train/empty.png', { boxes: [] });
  assert.equal(r.status, 200);
  assert.equal(r.body.image.objects, 0);
  const folder = path.join(s.dir, 'det');
  const data = await openCoco(path.join(folder, 'annotations', 'train.json'), {
    images: path.join(folder, 'images'),
  });
  assert.deepEqual(data.categories, ['red', 'blue']);
  assert.deepEqual(
    data.samples.map((x) => [
      path.basename(x.id),
      x.width,
      x.height,
      x.boxes.map((b) => [b.category, ...b.bbox]),
    ]),
    [
      [
        'one.png',
        40,
        30,
        [
          [0, 8, 8, 12, 12],
          [1, 30, 0, 10, 5],
        ],
      ],
      ['empty.png', 32, 32, []],
    ],
  );
  const coco = JSON.parse(
    await fs.readFile(path.join(folder, 'annotations', 'train.json'), 'utf8'),
  );
  assert.deepEqual(coco.annotations[0], {
    id: 1,
    image_id: 1,
    category_id: 1,
    bbox: [8, 8, 12, 12],
    area: 144,
    iscrowd: 0,
  });
  // A second save replaces the image's boxes.
  r = await put('det', 'images/one.png', {
    boxes: [{ label: 'blue', x: 1, y: 1, width: 5, height: 5 }],
  });
  assert.equal(r.body.image.objects, 1);
  const list = await s.call('GET', '/api/projects/det/images?label=blue');
  assert.deepEqual(
    list.body.images.map((e: { id: string }) => e.id),
    ['images/one.png'],
  );
});

test('detection: bad boxes refused naming the field, nothing written', async () => {
  const before = await fs.readFile(path.join(s.dir, 'det', 'annotations', 'train.json'), 'utf8');
  const cases: [unknown, RegExp][] = [
    [
      [{ label: 'green', x: 1, y: 1, width: 5, height: 5 }],
      /^boxes\[0\]\.label: "green" is not a class/,
    ],
    [[{ label: 'red', x: 1, y: 1, width: 0, height: 5 }], /^boxes\[0\]\.width: must be positive/],
    [
      [
        { label: 'red', x: 1, y: 1, width: 5, height: 5 },
        { label: 'red', x: 1, y: 'a', width: 5, height: 5 },
      ],
      /^boxes\[1\]\.y: must be a number/,
    ],
    [
      [{ label: 'red', x: 100, y: 1, width: 5, height: 5 }],
      /^boxes\[0\]: .* lies outside the 40×30 image/,
    ],
    ['nope', /^boxes: must be an array/],
  ];
  for (const [boxes, message] of cases) {
    const r = await put('det', 'images/one.png', { boxes });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.match(r.body.error.message, message);
  }
  assert.equal(
    await fs.readFile(path.join(s.dir, 'det', 'annotations', 'train.json'), 'utf8'),
    before,
  );
  assert.equal((await put('det', 'images/missing.png', { boxes: [] })).status, 404);
  assert.equal((await put('det', 'data/train/x/a.png', { boxes: [] })).status, 400);
});

test('segmentation: polygons rasterized into an index mask the CLI reads; classes.txt; background', async () => {
  await s.upload('/api/projects/seg/images', [{ name: 'p.png', bytes: await shapeImage() }], {
    split: 'test',
  });
  let r = await put('seg', 'unlabelled/test/p.png', {
    polygons: [
      {
        label: 'red',
        points: [
          [0, 0],
          [16, 0],
          [16, 16],
          [0, 16],
        ],
      },
      {
        label: 'blue',
        points: [
          [8, 8],
          [40, 8],
          [40, 40],
          [8, 40],
        ],
      },
    ],
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.image, {
    id: 'test/images/p.png',
    split: 'test',
    labelled: true,
    width: 32,
    height: 32,
    objects: 2,
  });
  const dir = path.join(s.dir, 'seg', 'test');
  const data = await openSegmentationFolder(dir, {
    classes: ['background', 'red', 'blue'],
    mode: 'index',
  });
  assert.equal(data.samples.length, 1);
  const mask = await readMask(data.samples[0]!.mask, { mode: 'index', numClasses: 3 });
  const at = (x: number, y: number) => mask.data[y * 32 + x];
  assert.equal(at(2, 2), 1, 'red inside the first square');
  assert.equal(at(10, 10), 2, 'the later polygon paints over the earlier one');
  assert.equal(at(31, 31), 2, 'clipped to the image');
  assert.equal(at(2, 30), 0, 'background outside');
  r = await s.call('GET', `/api/projects/seg/labels/${seg('test/images/p.png')}`);
  assert.deepEqual(r.body.polygons[1], {
    label: 'blue',
    points: [
      [8, 8],
      [32, 8],
      [32, 32],
      [8, 32],
    ],
  });
  r = await put('seg', 'test/images/p.png', {
    polygons: [
      {
        label: 'red',
        points: [
          [1, 1],
          [2, 2],
        ],
      },
    ],
  });
  assert.equal(r.status, 400);
  assert.match(r.body.error.message, /^polygons\[0\]\.points: needs at least 3 points/);
  r = await put('seg', 'test/images/p.png', {
    polygons: [
      {
        label: 'red',
        points: [
          [40, 40],
          [50, 40],
          [50, 50],
        ],
      },
    ],
  });
  assert.equal(r.status, 400);
  assert.match(r.body.error.message, /^polygons\[0\]: has no area inside the 32×32 image/);
  // An empty save: all background.
  r = await put('seg', 'test/images/p.png', { polygons: [] });
  assert.equal(r.status, 200);
  const empty = await readMask(path.join(dir, 'masks', 'p.png'), { mode: 'index', numClasses: 3 });
  assert.ok(empty.data.every((v) => v === 0));
  assert.equal((await s.call('GET', '/api/projects/seg/labels/x')).status, 400);
});

test('rasterize: pixel centres, even-odd fill of a self-overlapping outline, later over earlier', () => {
  const square = rasterize(4, 4, [
    {
      index: 3,
      points: [
        [1, 1],
        [3, 1],
        [3, 3],
        [1, 3],
      ],
    },
  ]);
  assert.deepEqual([...square], [0, 0, 0, 0, 0, 3, 3, 0, 0, 3, 3, 0, 0, 0, 0, 0]);
  // An outline that goes round twice: even-odd leaves its inside empty (crossed twice).
  const twice = rasterize(4, 4, [
    {
      index: 1,
      points: [
        [0, 0],
        [4, 0],
        [4, 4],
        [0, 4],
        [0, 0],
        [4, 0],
        [4, 4],
        [0, 4],
      ],
    },
  ]);
  assert.ok(twice.every((v) => v === 0));
  const painted = rasterize(2, 1, [
    {
      index: 1,
      points: [
        [0, 0],
        [2, 0],
        [2, 1],
        [0, 1],
      ],
    },
    {
      index: 2,
      points: [
        [1, 0],
        [2, 0],
        [2, 1],
        [1, 1],
      ],
    },
  ]);
  assert.deepEqual([...painted], [1, 2]);
});
