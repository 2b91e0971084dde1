// The image routes through a real studio: uploads (kept, converted, refused with reasons), folder
// imports, listing with filters and pages, original bytes and thumbnails, moves between splits
// and classes, deletes and target-domain images, for each task.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { setInputPolicy } from '../../guard/policy.js';
import { seg, shapeImage, startStudio, type TestStudio } from './test-support.js';

let s: TestStudio;
before(async () => {
  s = await startStudio({ uploadLimitMb: 0.05 });
  for (const task of ['classification', 'detection', 'segmentation'])
    await s.call('POST', '/api/projects', { name: task, task, classes: ['red'] });
});
after(() => s.close());

const upload = (
  project: string,
  files: { name: string; bytes: Uint8Array }[],
  fields?: Record<string, string>,
) => s.upload(`/api/projects/${project}/images`, files, fields);

test('upload: images kept under safe unique names, bad files refused with reasons', async () => {
  const png = await shapeImage();
  const jpeg = await shapeImage({ format: 'jpeg' });
  const truncated = jpeg.subarray(0, Math.floor(jpeg.length / 2));
  const big = Buffer.alloc(60 * 1024, 7);
  const r = await upload(
    'classification',
    [
      { name: 'cat.png', bytes: png },
      { name: 'cat.png', bytes: png },
      { name: 'C:\\Users\\me\\..\\évil name.jpg', bytes: jpeg },
      { name: '.hidden.webp', bytes: await shapeImage({ format: 'webp' }) },
      { name: 'notes.txt', bytes: Buffer.from('just text') },
      { name: 'broken.jpg', bytes: truncated },
      { name: 'huge.png', bytes: big },
    ],
    { label: 'red' },
  );
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(
    r.body.added.map((e: { id: string }) => e.id),
    // A path is cut to its base name; other characters become '_', a leading one is dropped.
    [
      'data/train/red/cat.png',
      'data/train/red/cat-2.png',
      'data/train/red/vil_name.jpg',
      'data/train/red/hidden.png',
    ],
  );
  const webp = path.join(s.dir, 'classification', 'data', 'train', 'red', 'hidden.png');
  assert.equal((await sharp(webp).metadata()).format, 'png', 'WebP is stored as PNG');
  const reasons = Object.fromEntries(
    r.body.rejected.map((x: { name: string; reason: string }) => [x.name, x.reason]),
  );
  assert.match(reasons['notes.txt'], /not a supported image/);
  assert.match(reasons['broken.jpg'], /truncated|corrupt/);
  assert.match(reasons['huge.png'], /larger than the upload limit of 0.05 MiB/);
  assert.deepEqual(Object.keys(reasons).sort(), ['broken.jpg', 'huge.png', 'notes.txt']);
  for (const e of r.body.added) assert.deepEqual([e.width, e.height, e.label], [32, 32, 'red']);
});

test('upload: too many pixels (the input policy), unknown split, missing or bad label', async () => {
  const before = setInputPolicy({ maxPixels: 500 });
  try {
    const r = await upload('classification', [{ name: 'wide.png', bytes: await shapeImage() }], {
      label: 'red',
    });
    assert.equal(r.body.added.length, 0);
    assert.match(r.body.rejected[0].reason, /pixel|too large/);
  } finally {
    setInputPolicy(before);
  }
  const png = await shapeImage();
  let r = await upload('classification', [{ name: 'a.png', bytes: png }], {
    label: 'red',
    split: 'val',
  });
  assert.equal(r.status, 400);
  assert.match(r.body.error.message, /^split: 'val' is not a split/);
  r = await upload('classification', [{ name: 'a.png', bytes: png }]);
  assert.equal(r.status, 400);
  assert.match(r.body.error.message, /^label:/);
  r = await upload('classification', [{ name: 'a.png', bytes: png }], { label: '../../etc' });
  assert.equal(r.status, 400);
  assert.match(r.body.error.message, /^label:/);
  r = await upload('detection', [{ name: 'a.png', bytes: png }], { label: 'red' });
  assert.equal(r.status, 400);
  r = await s.call('POST', '/api/projects/classification/images', { not: 'multipart' });
  assert.equal(r.status, 415);
  r = await upload('nope', [{ name: 'a.png', bytes: png }], { label: 'red' });
  assert.equal(r.status, 404);
  await assert.rejects(
    fs.access(path.join(s.dir, 'classification', 'data', 'train', '..', '..', 'etc')),
  );
});

test('upload: more files than one request may carry is refused whole (413), nothing kept', async () => {
  const files = Array.from({ length: 1001 }, (_, i) => ({
    name: `f${i}.png`,
    bytes: Buffer.from('x'),
  }));
  const r = await upload('classification', files, { label: 'red' });
  assert.equal(r.status, 413, JSON.stringify(r.body));
  assert.equal(r.body.error.code, 'TOO_MANY_IMAGES');
  assert.deepEqual(await fs.readdir(path.join(s.dir, '.visiontune-staging')), []);
});

test('a new label creates the class; list filters and pages; image and thumbnail', async () => {
  const r = await upload(
    'classification',
    [{ name: 'b.png', bytes: await shapeImage({ width: 300, height: 200 }) }],
    { label: 'blue', split: 'test' },
  );
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const project = await s.call('GET', '/api/projects/classification');
  assert.deepEqual(project.body.classes, ['red', 'blue']);
  assert.deepEqual(project.body.counts.test, { red: 0, blue: 1 });
  let list = await s.call('GET', '/api/projects/classification/images?split=train&limit=2');
  assert.equal(list.body.total, 4);
  assert.equal(list.body.images.length, 2);
  list = await s.call('GET', '/api/projects/classification/images?offset=2&limit=2');
  assert.deepEqual(
    list.body.images.map((e: { id: string }) => e.id),
    ['data/train/red/cat.png', 'data/train/red/hidden.png'],
  );
  list = await s.call('GET', '/api/projects/classification/images?label=blue');
  assert.deepEqual(list.body.images, [
    {
      id: 'data/test/blue/b.png',
      split: 'test',
      labelled: true,
      width: 300,
      height: 200,
      label: 'blue',
    },
  ]);
  assert.equal((await s.call('GET', '/api/projects/classification/images?limit=0')).status, 400);
  assert.equal((await s.call('GET', '/api/projects/classification/images?split=x')).status, 400);

  const id = seg('data/test/blue/b.png');
  const original = await s.app.inject({ url: `/api/projects/classification/image/${id}` });
  assert.equal(original.statusCode, 200);
  assert.equal(original.headers['content-type'], 'image/png');
  assert.deepEqual(
    original.rawPayload,
    await fs.readFile(path.join(s.dir, 'classification', 'data', 'test', 'blue', 'b.png')),
  );
  const thumb = await s.app.inject({ url: `/api/projects/classification/thumb/${id}` });
  assert.equal(thumb.headers['content-type'], 'image/jpeg');
  const meta = await sharp(thumb.rawPayload).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 160, 107]);
  const etag = thumb.headers.etag as string;
  assert.ok(etag);
  const again = await s.app.inject({
    url: `/api/projects/classification/thumb/${id}`,
    headers: { 'if-none-match': etag },
  });
  assert.equal(again.statusCode, 304);
});

test('move between splits and classes: files renamed, empty class folders and data/test go', async () => {
  const data = path.join(s.dir, 'classification', 'data');
  let r = await s.call('PATCH', '/api/projects/classification/images', {
    ids: ['data/test/blue/b.png'],
    split: 'train',
    label: 'red',
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(
    r.body.images.map((e: { id: string }) => e.id),
    ['data/train/red/b.png'],
  );
  assert.deepEqual(await fs.readdir(data), ['train'], 'an empty data/test/ is removed');
  r = await s.call('PATCH', '/api/projects/classification/images', {
    ids: ['data/train/red/cat.png'],
    label: 'green',
  });
  assert.deepEqual(r.body.images[0].id, 'data/train/green/cat.png');
  assert.deepEqual((await fs.readdir(path.join(data, 'train'))).sort(), ['green', 'red']);
  r = await s.call('PATCH', '/api/projects/classification/images', {
    ids: ['data/train/green/cat.png'],
    label: 'red',
  });
  assert.deepEqual(
    await fs.readdir(path.join(data, 'train')),
    ['red'],
    'the empty class folder goes',
  );
  r = await s.call('PATCH', '/api/projects/classification/images', {
    ids: ['data/train/red/missing.png'],
    split: 'test',
  });
  assert.equal(r.status, 404);
  r = await s.call('PATCH', '/api/projects/classification/images', {
    ids: ['data/train/red/cat.png'],
    split: 'val',
  });
  assert.equal(r.status, 400);
  r = await s.call('PATCH', '/api/projects/classification/images', {
    ids: ['data/train/red/cat.png'],
  });
  assert.equal(r.status, 400);
});

test('delete; target images; folder import with labels from folders', async () => {
  let r = await s.call('DELETE', '/api/projects/classification/images', {
    ids: ['data/train/red/cat-2.png'],
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.deleted, 1);
  await assert.rejects(
    fs.access(path.join(s.dir, 'classification', 'data', 'train', 'red', 'cat-2.png')),
  );

  r = await s.upload('/api/projects/classification/target', [
    { name: 't.png', bytes: await shapeImage() },
  ]);
  assert.deepEqual(
    r.body.added.map((e: { id: string }) => e.id),
    ['target/t.png'],
  );
  assert.equal((await s.call('GET', '/api/projects/classification')).body.targetImages, 1);
  const notClassification = await s.upload('/api/projects/detection/target', [
    { name: 't.png', bytes: await shapeImage() },
  ]);
  assert.equal(notClassification.status, 400);
  const targets = await s.call('GET', '/api/projects/classification/images?target=true');
  assert.deepEqual(
    targets.body.images.map((e: { id: string }) => e.id),
    ['target/t.png'],
  );

  const src = path.join(path.dirname(s.dir), 'import-src');
  await fs.mkdir(path.join(src, 'cat'), { recursive: true });
  await fs.mkdir(path.join(src, 'dog'), { recursive: true });
  await fs.writeFile(path.join(src, 'cat', 'c1.png'), await shapeImage());
  await fs.writeFile(path.join(src, 'dog', 'd1.jpg'), await shapeImage({ format: 'jpeg' }));
  await fs.writeFile(path.join(src, 'dog', 'readme.txt'), 'text');
  await fs.symlink('/etc/passwd', path.join(src, 'dog', 'link.png'));
  r = await s.call('POST', '/api/projects/classification/images/import', {
    folder: src,
    labelsFromFolders: true,
    split: 'test',
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.added.map((e: { id: string }) => e.id).sort(), [
    'data/test/cat/c1.png',
    'data/test/dog/d1.jpg',
  ]);
  assert.deepEqual(
    r.body.rejected.map((x: { name: string }) => x.name),
    ['readme.txt'],
  );
  r = await s.call('POST', '/api/projects/classification/images/import', {
    folder: 'relative/path',
  });
  assert.equal(r.status, 400);
  assert.match(r.body.error.message, /^folder:/);
  r = await s.call('POST', '/api/projects/detection/images/import', {
    folder: path.join(src, 'cat'),
    split: 'test',
  });
  assert.deepEqual(
    r.body.added.map((e: { id: string }) => e.id),
    ['unlabelled/test/c1.png'],
  );
  r = await s.call('POST', '/api/projects/detection/images/import', {
    folder: src,
    labelsFromFolders: true,
  });
  assert.equal(r.status, 400);
});

test('detection and segmentation: moves carry labels; deletes remove them', async () => {
  let r = await upload('detection', [{ name: 'd.png', bytes: await shapeImage() }]);
  r = await s.call('PUT', `/api/projects/detection/labels/${seg('unlabelled/train/d.png')}`, {
    boxes: [{ label: 'red', x: 8, y: 8, width: 12, height: 12 }],
  });
  assert.equal(r.body.image.id, 'images/d.png');
  r = await s.call('PATCH', '/api/projects/detection/images', {
    ids: ['images/d.png', 'unlabelled/test/c1.png'],
    split: 'train',
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(
    r.body.images.map((e: { id: string; split: string }) => [e.id, e.split]),
    [
      ['images/d.png', 'train'],
      ['unlabelled/train/c1.png', 'train'],
    ],
  );
  r = await s.call('PATCH', '/api/projects/detection/images', {
    ids: ['images/d.png'],
    split: 'test',
  });
  assert.deepEqual(r.body.images[0], {
    id: 'images/d.png',
    split: 'test',
    labelled: true,
    width: 32,
    height: 32,
    objects: 1,
  });
  const ann = (split: string) =>
    fs
      .readFile(path.join(s.dir, 'detection', 'annotations', `${split}.json`), 'utf8')
      .then(JSON.parse);
  assert.equal((await ann('train')).images.length, 0);
  assert.equal((await ann('test')).annotations.length, 1);
  r = await s.call('PATCH', '/api/projects/detection/images', {
    ids: ['images/d.png'],
    label: 'red',
  });
  assert.equal(r.status, 400);
  r = await s.call('DELETE', '/api/projects/detection/images', { ids: ['images/d.png'] });
  assert.equal(r.body.deleted, 1);
  assert.deepEqual(await ann('test'), {
    images: [],
    annotations: [],
    categories: [{ id: 1, name: 'red' }],
  });

  r = await upload('segmentation', [{ name: 's.png', bytes: await shapeImage() }]);
  r = await s.call('PUT', `/api/projects/segmentation/labels/${seg('unlabelled/train/s.png')}`, {
    polygons: [
      {
        label: 'red',
        points: [
          [8, 8],
          [20, 8],
          [20, 20],
          [8, 20],
        ],
      },
    ],
  });
  assert.equal(r.body.image.id, 'train/images/s.png');
  r = await s.call('PATCH', '/api/projects/segmentation/images', {
    ids: ['train/images/s.png'],
    split: 'test',
  });
  assert.equal(r.body.images[0].id, 'test/images/s.png');
  const test = path.join(s.dir, 'segmentation', 'test');
  await fs.access(path.join(test, 'masks', 's.png'));
  await fs.access(path.join(test, 'polygons', 's.json'));
  r = await s.call('DELETE', '/api/projects/segmentation/images', { ids: ['test/images/s.png'] });
  assert.equal(r.body.deleted, 1);
  assert.deepEqual(await fs.readdir(path.join(test, 'masks')), []);
});
