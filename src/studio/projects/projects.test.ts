// The project routes through a real studio: create, list, view (counts, CLI lines) and class
// edits for the three tasks; names checked; the studio header, the studio folder's lock and the
// revision (persisted across restarts, stale ifRevision refused).
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createStudio } from '../app.js';
import { seg, shapeImage, startStudio, type TestStudio } from './test-support.js';

let s: TestStudio;
before(async () => {
  s = await startStudio();
});
after(() => s.close());

test('create, list and view a project of each task, with its folders', async () => {
  for (const task of ['classification', 'detection', 'segmentation'] as const) {
    const r = await s.call('POST', '/api/projects', {
      name: `p-${task}`,
      task,
      classes: ['a', 'b'],
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.task, task);
    assert.deepEqual(
      r.body.classes,
      task === 'segmentation' ? ['background', 'a', 'b'] : ['a', 'b'],
    );
    assert.equal(r.body.revision, 0);
    assert.deepEqual(r.body.cli, [], 'no command line before there is anything to train on');
  }
  const folder = path.join(s.dir, 'p-detection');
  const coco = JSON.parse(
    await fs.readFile(path.join(folder, 'annotations', 'train.json'), 'utf8'),
  );
  assert.deepEqual(coco.categories, [
    { id: 1, name: 'a' },
    { id: 2, name: 'b' },
  ]);
  const classes = await fs.readFile(
    path.join(s.dir, 'p-segmentation', 'train', 'classes.txt'),
    'utf8',
  );
  assert.equal(classes, 'background\na\nb\n');
  await fs.access(path.join(s.dir, 'p-classification', 'data', 'train'));
  // A folder without a project file is not a project.
  await fs.mkdir(path.join(s.dir, 'not-a-project'));
  await fs.mkdir(path.join(s.dir, 'p-classification', 'runs', 'run-1'), { recursive: true });
  const list = await s.call('GET', '/api/projects');
  assert.deepEqual(
    list.body.map((p: { name: string }) => p.name),
    ['p-classification', 'p-detection', 'p-segmentation'],
  );
  assert.equal(list.body[0].runs, 1);
  assert.equal(list.body[0].images, 0);
});

test('project names: checked, unique; traversal and unknown names refused', async () => {
  const bad = ['../evil', '.hidden', 'a/b', '', 'x'.repeat(65), '/etc'];
  for (const name of bad) {
    const r = await s.call('POST', '/api/projects', { name, task: 'classification' });
    assert.equal(r.status, 400, name);
    assert.match(r.body.error.message, /project name|name:/);
  }
  let r = await s.call('POST', '/api/projects', { name: 'p-classification', task: 'detection' });
  assert.equal(r.status, 409);
  r = await s.call('POST', '/api/projects', { name: 'not-a-project', task: 'detection' });
  assert.equal(r.status, 409, 'an existing folder is not taken over');
  r = await s.call('POST', '/api/projects', { name: 'ok', task: 'video' });
  assert.equal(r.status, 400);
  assert.match(r.body.error.message, /^task:/);
  r = await s.call('POST', '/api/projects', { name: 'ok', task: 'detection', classes: ['../x'] });
  assert.equal(r.status, 400);
  assert.match(r.body.error.message, /classes\[0\]/);
  for (const url of ['/api/projects/%2e%2e', '/api/projects/..%2Fetc', '/api/projects/nope']) {
    r = await s.call('GET', url);
    assert.ok([400, 404].includes(r.status), `${url}: ${r.status}`);
  }
  assert.equal((await s.call('GET', '/api/projects/nope')).status, 404);
});

test('a damaged project file: left out of the list, opening it says so', async () => {
  await fs.mkdir(path.join(s.dir, 'damaged'));
  await fs.writeFile(path.join(s.dir, 'damaged', 'visiontune-project.json'), '{"name": 3}');
  const list = await s.call('GET', '/api/projects');
  assert.ok(!list.body.some((p: { name: string }) => p.name === 'damaged'));
  const r = await s.call('GET', '/api/projects/damaged');
  assert.equal(r.body.error.code, 'DAMAGED_PROJECT');
  assert.match(r.body.error.message, /damaged.visiontune-project\.json: not a valid project file/);
  await fs.rm(path.join(s.dir, 'damaged'), { recursive: true });
});

test('changes need the studio header (403)', async () => {
  const r = await s.app.inject({
    method: 'POST',
    url: '/api/projects',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ name: 'sneaky', task: 'classification' }),
  });
  assert.equal(r.statusCode, 403);
  await assert.rejects(fs.access(path.join(s.dir, 'sneaky')));
});

test('the CLI lines follow the files: test data appears once the test split has images', async () => {
  const folder = path.join(s.dir, 'p-classification');
  let r = await s.upload(
    '/api/projects/p-classification/images',
    [{ name: 'x.png', bytes: await shapeImage() }],
    { label: 'a' },
  );
  assert.equal(r.status, 200);
  r = await s.call('GET', '/api/projects/p-classification');
  assert.deepEqual(r.body.cli, [`visiontune train --data ${folder}/data`]);
  assert.deepEqual(r.body.counts.train, { a: 1, b: 0 });

  const det = path.join(s.dir, 'p-detection');
  for (const split of ['train', 'test']) {
    r = await s.upload(
      '/api/projects/p-detection/images',
      [{ name: `${split}.png`, bytes: await shapeImage() }],
      { split },
    );
    r = await s.call('PUT', `/api/projects/p-detection/labels/${seg(r.body.added[0].id)}`, {
      boxes: [{ label: 'a', x: 8, y: 8, width: 12, height: 12 }],
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
  r = await s.call('GET', '/api/projects/p-detection');
  assert.deepEqual(r.body.cli, [
    `visiontune detect train --data ${det}/annotations/train.json --images ${det}/images --test-data ${det}/annotations/test.json --test-images ${det}/images`,
  ]);
  assert.deepEqual(r.body.counts.test, { a: 1, b: 0, '': 0 });

  const sg = path.join(s.dir, 'p-segmentation');
  r = await s.upload('/api/projects/p-segmentation/images', [
    { name: 's.png', bytes: await shapeImage() },
  ]);
  assert.deepEqual(r.body.added[0].id, 'unlabelled/train/s.png');
  r = await s.call('GET', '/api/projects/p-segmentation');
  assert.deepEqual(r.body.unlabelled, { train: 1, test: 0 });
  assert.deepEqual(r.body.cli, []);
  r = await s.call('PUT', `/api/projects/p-segmentation/labels/${seg('unlabelled/train/s.png')}`, {
    polygons: [
      {
        label: 'b',
        points: [
          [8, 8],
          [20, 8],
          [20, 20],
        ],
      },
    ],
  });
  r = await s.call('GET', '/api/projects/p-segmentation');
  assert.deepEqual(r.body.cli, [`visiontune segment train --data ${sg}/train`]);
  assert.deepEqual(r.body.counts.train, { background: 0, a: 0, b: 1, '': 0 });
});

test('classes: add, rename (folders, categories, classes.txt follow), remove only unused', async () => {
  // classification: the class folder is renamed with the class.
  let r = await s.call('PUT', '/api/projects/p-classification/classes', {
    add: ['c'],
    rename: [{ from: 'a', to: 'alpha' }],
    remove: ['b'],
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.classes, ['alpha', 'c']);
  const data = path.join(s.dir, 'p-classification', 'data', 'train');
  assert.deepEqual(await fs.readdir(data), ['alpha']);
  r = await s.call('PUT', '/api/projects/p-classification/classes', { remove: ['alpha'] });
  assert.equal(r.status, 409);
  assert.match(r.body.error.message, /used by 1 image/);
  r = await s.call('PUT', '/api/projects/p-classification/classes', { add: ['c'] });
  assert.equal(r.status, 409);
  r = await s.call('PUT', '/api/projects/p-classification/classes', {
    rename: [{ from: 'zz', to: 'y' }],
  });
  assert.equal(r.status, 404);
  r = await s.call('PUT', '/api/projects/p-classification/classes', {
    rename: [
      { from: 'alpha', to: 'x' },
      { from: 'x', to: 'y' },
    ],
  });
  assert.equal(r.status, 400);
  assert.deepEqual(await fs.readdir(data), ['alpha'], 'a refused edit changes nothing');

  // detection: ids stay with their class through renames and removals; a new class gets the
  // next id after the highest in use (removed classes had no boxes, so nothing pointed at 2).
  r = await s.call('PUT', '/api/projects/p-detection/classes', {
    rename: [{ from: 'a', to: 'apple' }],
    remove: ['b'],
    add: ['pear'],
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  for (const split of ['train', 'test']) {
    const coco = JSON.parse(
      await fs.readFile(path.join(s.dir, 'p-detection', 'annotations', `${split}.json`), 'utf8'),
    );
    assert.deepEqual(coco.categories, [
      { id: 1, name: 'apple' },
      { id: 2, name: 'pear' },
    ]);
    assert.equal(coco.annotations[0].category_id, 1);
  }
  r = await s.call('PUT', '/api/projects/p-detection/classes', { remove: ['apple'] });
  assert.equal(r.status, 409);
  assert.match(r.body.error.message, /used by 2 boxes/);

  // segmentation: removing 'a' shifts 'b' from 2 to 1: classes.txt and the mask follow.
  r = await s.call('PUT', '/api/projects/p-segmentation/classes', {
    remove: ['a'],
    rename: [{ from: 'b', to: 'bee' }],
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const sg = path.join(s.dir, 'p-segmentation', 'train');
  assert.equal(await fs.readFile(path.join(sg, 'classes.txt'), 'utf8'), 'background\nbee\n');
  const { readMask } = await import('../../data/segmentation/read-mask.js');
  const mask = await readMask(path.join(sg, 'masks', 's.png'), { mode: 'index', numClasses: 2 });
  assert.equal(mask.data[10 * 32 + 18], 1);
  const polygons = JSON.parse(await fs.readFile(path.join(sg, 'polygons', 's.json'), 'utf8'));
  assert.equal(polygons.polygons[0].label, 'bee');
  r = await s.call('PUT', '/api/projects/p-segmentation/classes', { remove: ['background'] });
  assert.equal(r.status, 409);
  r = await s.call('PUT', '/api/projects/p-segmentation/classes', { add: ['bad/name'] });
  assert.equal(r.status, 400);
  assert.match(r.body.error.message, /add\[0\]/);
});

test('revision: bumped by changes, kept across restarts, a stale ifRevision changes nothing (409)', async () => {
  const before = (await s.call('GET', '/api/projects/p-classification')).body.revision;
  assert.ok(before > 0);
  const r = await s.call('PUT', '/api/projects/p-classification/classes', {
    add: ['late'],
    ifRevision: before - 1,
  });
  assert.equal(r.status, 409);
  assert.equal(r.body.error.code, 'STALE_REVISION');
  assert.ok(!(await s.call('GET', '/api/projects/p-classification')).body.classes.includes('late'));
  const ok = await s.call('PUT', '/api/projects/p-classification/classes', {
    add: ['late'],
    ifRevision: before,
  });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.revision, before + 1);
  // A second studio on the same folder is refused while this one runs; after it closes, the
  // next one sees the same revision.
  const ui = path.join(path.dirname(s.dir), 'ui');
  await assert.rejects(
    createStudio({ dir: s.dir, port: 0, uiDir: ui }),
    /another visiontune studio/,
  );
  await s.app.close();
  const again = await createStudio({ dir: s.dir, port: 0, uiDir: ui });
  try {
    const r2 = await again.inject({ method: 'GET', url: '/api/projects/p-classification' });
    assert.equal(JSON.parse(r2.body).revision, before + 1);
  } finally {
    await again.close();
  }
  s.app = await createStudio({ dir: s.dir, port: 0, uiDir: ui });
});
