// What a hostile or racing client cannot do: reach a file outside the project through an image
// id (traversal, encodings, absolute paths, links planted in a class folder), or corrupt a
// project's files with many concurrent changes (the CLI's readers still load them after).
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { openCoco } from '../../data/detection/coco.js';
import { openSegmentationFolder } from '../../data/segmentation/folder.js';
import { openFolder } from '../../data/sources/folder.js';
import { seg, shapeImage, startStudio, type TestStudio } from './test-support.js';

let s: TestStudio;
before(async () => {
  s = await startStudio();
  for (const task of ['classification', 'detection', 'segmentation'])
    await s.call('POST', '/api/projects', { name: task, task, classes: ['red', 'blue'] });
  await s.upload(
    '/api/projects/classification/images',
    [{ name: 'a.png', bytes: await shapeImage() }],
    { label: 'red' },
  );
});
after(() => s.close());

const hostile = [
  '../../../etc/passwd',
  'data/train/red/../../../../etc/passwd',
  '/etc/passwd',
  'data\\train\\red\\a.png',
  'data/train/red/a.png\0.png',
  'data/train/red/.hidden.png',
  'data/train/red/%2e%2e',
  'data/train/../train/red/a.png',
  'data//train/red/a.png',
  'visiontune-project.json',
  'runs/x/bundle/model.json',
];

test('hostile ids are refused by every route that takes one', async () => {
  for (const id of hostile) {
    for (const kind of ['image', 'thumb']) {
      const r = await s.app.inject({ url: `/api/projects/classification/${kind}/${seg(id)}` });
      assert.ok(
        [400, 404].includes(r.statusCode),
        `${kind} ${JSON.stringify(id)}: ${r.statusCode}`,
      );
      assert.doesNotMatch(r.body, /root:/);
    }
    const moved = await s.call('PATCH', '/api/projects/classification/images', {
      ids: [id],
      label: 'blue',
    });
    assert.ok([400, 404].includes(moved.status), `PATCH ${JSON.stringify(id)}: ${moved.status}`);
    const deleted = await s.call('DELETE', '/api/projects/classification/images', { ids: [id] });
    assert.ok([400, 404].includes(deleted.status), `DELETE ${JSON.stringify(id)}`);
    const labels = await s.call('PUT', `/api/projects/detection/labels/${seg(id)}`, { boxes: [] });
    assert.ok([400, 404].includes(labels.status), `PUT labels ${JSON.stringify(id)}`);
  }
  // Encoded traversal in the URL itself: decoded once into the id, then refused as above.
  for (const url of [
    '/api/projects/classification/image/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/api/projects/classification/image/..%252f..%252fetc',
    '/api/projects/%2e%2e/image/a',
  ]) {
    const r = await s.app.inject({ url });
    assert.ok([400, 404].includes(r.statusCode), `${url}: ${r.statusCode}`);
  }
  await fs.access(path.join(s.dir, 'classification', 'data', 'train', 'red', 'a.png'));
});

test('a link to /etc planted in a class folder is neither listed, served, moved nor deleted', async () => {
  const red = path.join(s.dir, 'classification', 'data', 'train', 'red');
  await fs.symlink('/etc/passwd', path.join(red, 'passwd.png'));
  await fs.symlink('/etc', path.join(s.dir, 'classification', 'data', 'train', 'etc'));
  const list = await s.call('GET', '/api/projects/classification/images');
  assert.deepEqual(
    list.body.images.map((e: { id: string }) => e.id),
    ['data/train/red/a.png'],
  );
  for (const id of [
    'data/train/red/passwd.png',
    'data/train/etc/passwd',
    'data/train/etc/hostname',
  ]) {
    const r = await s.app.inject({ url: `/api/projects/classification/image/${seg(id)}` });
    assert.equal(r.statusCode, 404, id);
    const moved = await s.call('PATCH', '/api/projects/classification/images', {
      ids: [id],
      label: 'blue',
    });
    assert.equal(moved.status, 404, id);
    const deleted = await s.call('DELETE', '/api/projects/classification/images', { ids: [id] });
    assert.equal(deleted.status, 404, id);
  }
  await fs.access('/etc/passwd');
  await fs.rm(path.join(red, 'passwd.png'));
  await fs.rm(path.join(s.dir, 'classification', 'data', 'train', 'etc'));
});

test('a class folder linked out of the project takes no uploads or moves (409), nothing written', async () => {
  const outside = path.join(path.dirname(s.dir), 'outside');
  await fs.mkdir(outside);
  const linked = path.join(s.dir, 'classification', 'data', 'train', 'blue');
  await fs.symlink(outside, linked);
  try {
    const r = await s.upload(
      '/api/projects/classification/images',
      [{ name: 'x.png', bytes: await shapeImage() }],
      { label: 'blue' },
    );
    assert.equal(r.status, 409, JSON.stringify(r.body));
    assert.match(r.body.error.message, /leads out of the project folder/);
    const moved = await s.call('PATCH', '/api/projects/classification/images', {
      ids: ['data/train/red/a.png'],
      label: 'blue',
    });
    assert.equal(moved.status, 409);
    assert.deepEqual(await fs.readdir(outside), []);
    await fs.access(path.join(s.dir, 'classification', 'data', 'train', 'red', 'a.png'));
  } finally {
    await fs.rm(linked);
  }
});

test('a stale ifRevision changes nothing: labels, moves, deletes (409)', async () => {
  const png = await shapeImage();
  const added = (
    await s.upload('/api/projects/detection/images', [{ name: 'rev.png', bytes: png }])
  ).body;
  const stale = added.revision - 1;
  const id = added.added[0].id;
  const answers = [
    await s.call('PUT', `/api/projects/detection/labels/${seg(id)}`, {
      boxes: [],
      ifRevision: stale,
    }),
    await s.call('PATCH', '/api/projects/detection/images', {
      ids: [id],
      split: 'test',
      ifRevision: stale,
    }),
    await s.call('DELETE', '/api/projects/detection/images', { ids: [id], ifRevision: stale }),
  ];
  for (const a of answers) assert.equal(a.status, 409, JSON.stringify(a.body));
  const list = await s.call('GET', '/api/projects/detection/images');
  assert.deepEqual(
    list.body.images.map((e: { id: string }) => e.id),
    [id],
  );
  const ok = await s.call('DELETE', '/api/projects/detection/images', {
    ids: [id],
    ifRevision: added.revision,
  });
  assert.deepEqual(ok.body, { deleted: 1, revision: added.revision + 1 });
});

test('a storm of parallel changes on one project leaves files the CLI readers load', async () => {
  const png = await shapeImage();
  // Images to fight over: 6 per task.
  const names = Array.from({ length: 6 }, (_, i) => ({ name: `s${i}.png`, bytes: png }));
  await s.upload('/api/projects/classification/images', names, { label: 'red' });
  const det = (await s.upload('/api/projects/detection/images', names)).body.added.map(
    (e: { id: string }) => e.id,
  );
  const sg = (await s.upload('/api/projects/segmentation/images', names)).body.added.map(
    (e: { id: string }) => e.id,
  );
  const box = (i: number) => ({ label: i % 2 ? 'red' : 'blue', x: i, y: i, width: 5, height: 5 });
  const poly = (i: number) => ({
    label: i % 2 ? 'red' : 'blue',
    points: [
      [i, i],
      [i + 9, i],
      [i, i + 9],
    ],
  });
  const requests: Promise<{ status: number }>[] = [];
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < 6; i++) {
      const split = (round + i) % 2 ? 'test' : 'train';
      requests.push(
        s.call('PATCH', '/api/projects/classification/images', {
          ids: [`data/${round % 2 ? 'train' : 'test'}/${round % 3 ? 'red' : 'blue'}/s${i}.png`],
          split,
          label: i % 2 ? 'red' : 'blue',
        }),
      );
      const detId = round === 0 ? det[i] : `images/s${i}.png`;
      requests.push(
        s.call('PUT', `/api/projects/detection/labels/${seg(detId)}`, {
          boxes: [box(i), box(i + 1)],
        }),
      );
      requests.push(
        s.call('PATCH', '/api/projects/detection/images', { ids: [`images/s${i}.png`], split }),
      );
      const sgId = round === 0 ? sg[i] : `train/images/s${i}.png`;
      requests.push(
        s.call('PUT', `/api/projects/segmentation/labels/${seg(sgId)}`, { polygons: [poly(i)] }),
      );
      requests.push(
        s.call('PUT', '/api/projects/classification/classes', { add: [`c${round}-${i}`] }),
      );
    }
  }
  const answers = await Promise.all(requests);
  // Some moves name an image that is elsewhere by then (404) — never a 500.
  for (const a of answers) assert.ok([200, 404].includes(a.status), JSON.stringify(a));
  const project = (await s.call('GET', '/api/projects/classification')).body;
  const okCount = answers.filter((a) => a.status === 200).length;
  assert.ok(okCount > requests.length / 2, `${okCount} of ${requests.length} succeeded`);
  assert.equal(project.classes.filter((c: string) => c.startsWith('c')).length, 24);

  const cls = await openFolder(path.join(s.dir, 'classification', 'data'));
  const total = Object.values(cls.splits).reduce((n, list) => n + (list?.length ?? 0), 0);
  assert.equal(total, 7, 'every image is still there, once');
  const folder = path.join(s.dir, 'detection');
  const files = new Set<string>();
  for (const split of ['train', 'test']) {
    const data = await openCoco(path.join(folder, 'annotations', `${split}.json`), {
      images: path.join(folder, 'images'),
    });
    for (const sample of data.samples) {
      assert.ok(!files.has(sample.id), `${sample.id} in one split only`);
      files.add(sample.id);
      assert.equal(sample.boxes.length, 2);
    }
  }
  assert.equal(files.size, 6);
  const masks = await openSegmentationFolder(path.join(s.dir, 'segmentation', 'train'), {
    classes: ['background', 'red', 'blue'],
    mode: 'index',
  });
  assert.equal(masks.samples.length, 6);
  // No temp or staging files left behind.
  const leftovers = await fs.readdir(path.join(s.dir, '.visiontune-staging')).catch(() => []);
  assert.deepEqual(leftovers, []);
  for (const dir of [
    path.join(folder, 'annotations'),
    path.join(s.dir, 'segmentation', 'train', 'masks'),
  ])
    assert.deepEqual(
      (await fs.readdir(dir)).filter((f) => f.startsWith('.')),
      [],
    );
});
