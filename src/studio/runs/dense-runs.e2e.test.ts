// Detection and segmentation projects train from the studio: the run's CLI line carries the
// project's files as layout.ts keeps them (COCO annotations + images/, split folders of images/ +
// masks/, the test split when it has images), and the real CLI child completes with a bundle.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { makeSquares } from '../../data/detection/test-fixture.js';
import { makeShapes, SHAPES_CLASSES } from '../../data/segmentation/test-fixture.js';
import type { RunDetail, RunSummary, Task } from '../api-types.js';
import type { VisiontuneStudio } from '../app.js';
import { detection, segmentation } from '../projects/layout.js';
import { writeProjectMeta } from '../projects/meta-file.js';
import { testStudio, waitFor } from './test-project.js';

const H = { 'x-visiontune-studio': '1' };
const SMALL = { backbone: 'resnet_tiny', strategy: 'scratch', imageSize: 64, epochs: 1, batch: 8 };
let dir: string;
let app: VisiontuneStudio;

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-studio-dense-'));
  app = await testStudio(dir);
});
after(async () => {
  await app.close();
  await fs.rm(dir, { recursive: true, force: true });
});

async function newProject(name: string, task: Task, classes: string[]) {
  const project = path.join(app.projectsDir, name);
  await fs.mkdir(project, { recursive: true });
  const createdAt = new Date().toISOString();
  await writeProjectMeta(app.projectsDir, { formatVersion: 1, name, task, createdAt, classes });
  return project;
}

async function train(name: string, command: string): Promise<RunDetail> {
  const start = await app.inject({
    method: 'POST',
    url: `/api/projects/${name}/runs`,
    headers: H,
    payload: { command, options: SMALL },
  });
  assert.equal(start.statusCode, 201, start.body);
  const { id } = start.json() as RunSummary;
  const url = `/api/projects/${name}/runs/${id}`;
  await waitFor(`${command} run`, async () => {
    const { summary } = (await app.inject({ url })).json() as RunDetail;
    return ['queued', 'running'].includes(summary.status) ? undefined : summary;
  });
  return (await app.inject({ url })).json() as RunDetail;
}

test('detect-train on a detection project (COCO file_name relative to images/)', async () => {
  const project = await newProject('boxes', 'detection', ['red', 'blue']);
  const squares = await makeSquares(project, { images: 24, size: 64, seed: 4 });
  const coco = JSON.parse(await fs.readFile(squares.annotationFile, 'utf8'));
  for (const image of coco.images) image.file_name = path.basename(image.file_name);
  await fs.mkdir(path.join(project, 'annotations'), { recursive: true });
  await fs.writeFile(detection.annotations(project, 'train'), JSON.stringify(coco));
  await fs.rm(squares.annotationFile);
  const run = await train('boxes', 'detect-train');
  assert.equal(run.summary.status, 'completed', run.summary.error);
  assert.ok(run.summary.hasBundle);
  assert.equal(typeof run.summary.metrics?.ap50, 'number');
  assert.match(run.cli ?? '', / --data \S+\/annotations\/train\.json --images \S+\/boxes\/images /);
  assert.doesNotMatch(run.cli ?? '', /--test-data/, 'no test split without test images');
});

test('segment-train on a segmentation project, evaluated on its test split', async () => {
  const project = await newProject('shapes', 'segmentation', SHAPES_CLASSES);
  await makeShapes(segmentation.split(project, 'train'), { images: 12, width: 64, seed: 4 });
  await makeShapes(segmentation.split(project, 'test'), { images: 4, width: 64, seed: 5 });
  const run = await train('shapes', 'segment-train');
  assert.equal(run.summary.status, 'completed', run.summary.error);
  assert.equal(typeof run.summary.metrics?.meanIoU, 'number', JSON.stringify(run.summary.metrics));
  assert.match(run.cli ?? '', / --data \S+\/shapes\/train --test-data \S+\/shapes\/test /);
});
