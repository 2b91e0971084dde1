// Multi-task batches from real PNG files: one random geometry moves each image, its boxes and its
// mask together (checked pixel by pixel: every pixel's colour names its mask label, every box
// encloses exactly its object), labels that geometry does not touch pass through, absent labels
// are masked out, evaluation letterboxes, the same epoch index gives the same batches, two ranks
// together see what one process sees, and unusable images are named or skipped.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { EpochSource } from '../../train/loop.js';
import { randomHorizontalFlipJoint, randomScaleCropJoint } from '../joint/augment.js';
import { assertBoxesTight } from '../joint/test-checks.js';
import { put, tempDir } from '../test-fixtures.js';
import { multiTaskAugmentation } from './augment.js';
import { createMultiTaskLoader, type MultiTaskLoaderOptions } from './loader.js';
import { multiTaskLoaders } from './loaders.js';
import { openMultiTaskData, taskShapes } from './open.js';
import { classOfColor, makeSharedCoco } from './test-fixture.js';
import type { MultiTaskBatch } from './types.js';

const SIZE = 32;
const PLAIN = { mean: [0, 0, 0], std: [1, 1, 1] } as const;

/** The batch's images as uint8 RGB (mean 0, std 1: x = v / 255). */
async function pixelsOf(batch: MultiTaskBatch): Promise<Uint8Array> {
  return Uint8Array.from(await batch.x.data(), (v) => Math.round(v * 255));
}

async function collect(epoch: AsyncIterable<MultiTaskBatch>) {
  const out: { keys: string[]; x: Uint8Array; batch: MultiTaskBatch }[] = [];
  for await (const batch of epoch) {
    out.push({ keys: batch.samples.map((s) => s.key), x: await pixelsOf(batch), batch });
    batch.x.dispose();
  }
  return out;
}

async function sharedData(root: string, images = 12) {
  const coco = await makeSharedCoco(root, { images });
  const data = await openMultiTaskData(
    [
      { name: 'boxes', kind: 'detection', data: coco.annotationFile, val: 0 },
      { name: 'masks', kind: 'segmentation', data: coco.annotationFile, val: 0 },
      { name: 'tags', kind: 'multilabel', data: coco.annotationFile, val: 0 },
    ],
    { seed: 0 },
  );
  return { coco, data };
}

test('one geometry moves image, boxes and mask together, pixel-exactly', async (t) => {
  const { data } = await sharedData(await tempDir(t));
  const tasks = taskShapes(data.tasks);
  // 16 px images into 32: scale 1 (the image somewhere in gray padding) and 3 (a crop of it).
  for (const factor of [0.5, 1.5]) {
    const loader = createMultiTaskLoader(data.train, {
      ...PLAIN,
      size: SIZE,
      batchSize: 5,
      tasks,
      shuffle: true,
      seed: 3,
      ops: [
        randomHorizontalFlipJoint(0.5),
        randomScaleCropJoint(SIZE, { scale: [factor, factor], interpolation: 'nearest' }),
      ],
    });
    assert.equal(loader.numBatches, 3);
    const flips = new Set<boolean>();
    let seen = 0;
    const epochs = factor === 0.5 ? [0, 1, 2, 3] : [0];
    const batches = (await Promise.all(epochs.map((e) => collect(loader.epoch(e))))).flat();
    for (const { x, batch } of batches) {
      const { boxes, masks, tags } = batch.targets;
      batch.samples.forEach((sample, i) => {
        const what = `factor ${factor}, ${sample.id}`;
        const area = SIZE * SIZE;
        const mask = masks!.masks!.subarray(i * area, (i + 1) * area);
        for (let p = 0; p < area; p++) {
          const [r, g, b] = x.subarray((i * area + p) * 3, (i * area + p) * 3 + 3);
          const cls = r === 114 && g === 114 && b === 114 ? 255 : classOfColor(r!, g!, b!);
          assert.equal(mask[p], cls, `${what}: pixel ${p}`);
        }
        assertBoxesTight({ data: mask, width: SIZE, height: SIZE }, boxes!.boxes![i]!, {
          what,
          classOf: (box) => box.category + 1,
          objects: [1, 2],
          complete: factor === 0.5,
        });
        // Image-level labels do not move: the categories annotated in the image.
        const label = sample.labels.boxes;
        const annotated =
          label?.kind === 'detection' ? label.sample.boxes.map((b) => b.category) : [];
        assert.deepEqual(
          [...tags!.multi!.subarray(i * 2, i * 2 + 2)],
          [0, 1].map((c) => (annotated.includes(c) ? 1 : 0)),
        );
        for (const task of ['boxes', 'masks', 'tags'])
          assert.equal(batch.targets[task]!.present[i], 1);
        // Two boxes of different classes: their order tells whether the image was flipped.
        const original = label?.kind === 'detection' ? label.sample.boxes : [];
        const moved = boxes!.boxes![i]!;
        if (
          factor === 0.5 &&
          original.length === 2 &&
          original[0]!.category !== original[1]!.category
        )
          flips.add(
            moved.find((b) => b.category === original[0]!.category)!.bbox[0] >
              moved.find((b) => b.category === original[1]!.category)!.bbox[0] !==
              original[0]!.bbox[0] > original[1]!.bbox[0],
          );
        seen++;
      });
    }
    assert.equal(seen, 12 * epochs.length, 'proportional: every image once an epoch');
    if (factor === 0.5) assert.deepEqual([...flips].sort(), [false, true], 'flipped and not');
  }
});

test('a second mask on the same image gets the same geometry as the first', async (t) => {
  const root = await tempDir(t);
  const coco = await makeSharedCoco(root, { images: 6 });
  const data = await openMultiTaskData(
    ['masks', 'again'].map((name) => ({
      name,
      kind: 'segmentation' as const,
      data: coco.annotationFile,
      val: 0,
    })),
    { seed: 0 },
  );
  const loader = createMultiTaskLoader(data.train, {
    ...PLAIN,
    size: SIZE,
    batchSize: 3,
    tasks: taskShapes(data.tasks),
    shuffle: true,
    ops: multiTaskAugmentation(SIZE, taskShapes(data.tasks), {
      scale: [0.5, 1.5],
      colorJitter: 0.3,
    }),
  });
  for (const { batch } of await collect(loader.epoch(0))) {
    const { masks, again } = batch.targets;
    assert.deepEqual(again!.masks, masks!.masks);
    assert.ok(masks!.masks!.some((v) => v === 1 || v === 2));
  }
});

test('evaluation batches letterbox the image and its labels; the mapping comes back', async (t) => {
  const { data } = await sharedData(await tempDir(t), 4);
  const loader = createMultiTaskLoader(data.train, {
    ...PLAIN,
    size: SIZE,
    batchSize: 4,
    tasks: taskShapes(data.tasks),
  });
  const [{ batch, keys }] = await collect(loader.epoch(0));
  assert.deepEqual(
    keys,
    data.train.map((s) => s.key),
    'in order',
  );
  batch!.samples.forEach((sample, i) => {
    assert.deepEqual(batch!.letterboxes[i], { scaleX: 2, scaleY: 2, padX: 0, padY: 0 });
    assert.deepEqual(batch!.sizes[i], { width: 16, height: 16 });
    const label = sample.labels.boxes;
    const original = label?.kind === 'detection' ? label.sample.boxes : [];
    assert.deepEqual(
      batch!.targets.boxes!.boxes![i]!.map((b) => b.bbox),
      original.map((b) => b.bbox.map((v) => v * 2)),
    );
    const mask = batch!.targets.masks!.masks!.subarray(i * SIZE * SIZE, (i + 1) * SIZE * SIZE);
    assertBoxesTight({ data: mask, width: SIZE, height: SIZE }, batch!.targets.boxes!.boxes![i]!, {
      what: sample.id,
      classOf: (box) => box.category + 1,
      objects: [1, 2],
      complete: true,
    });
  });
});

test('tasks without a label for an image: present 0 and neutral targets', async (t) => {
  const root = await tempDir(t);
  const coco = await makeSharedCoco(root, { images: 6 });
  const kinds = join(root, 'kinds.csv');
  await put(kinds, 'path,label\nimages/img001.png,cat\nimages/img004.png,dog\n');
  // A second COCO file painting masks for the first two images only.
  const json = JSON.parse(await fs.readFile(coco.annotationFile, 'utf8'));
  json.images = json.images.slice(0, 2);
  json.annotations = json.annotations.filter((a: { image_id: number }) => a.image_id <= 2);
  const part = join(root, 'part.json');
  await fs.writeFile(part, JSON.stringify(json));
  const data = await openMultiTaskData(
    [
      { name: 'boxes', kind: 'detection', data: coco.annotationFile, val: 0 },
      { name: 'kind', kind: 'classification', data: kinds, val: 0 },
      { name: 'masks', kind: 'segmentation', data: part, val: 0 },
    ],
    { seed: 0 },
  );
  const tasks = taskShapes(data.tasks);
  const loader = createMultiTaskLoader(data.train, { ...PLAIN, size: SIZE, batchSize: 6, tasks });
  const [{ batch }] = await collect(loader.epoch(0));
  const { kind, masks, boxes } = batch!.targets;
  assert.deepEqual([...kind!.present], [0, 1, 0, 0, 1, 0]);
  assert.deepEqual([...kind!.classes!], [-1, 0, -1, -1, 1, -1]);
  assert.deepEqual([...masks!.present], [1, 1, 0, 0, 0, 0]);
  const area = SIZE * SIZE;
  assert.ok(
    masks!.masks!.subarray(2 * area).every((v) => v === 255),
    'absent masks ignored',
  );
  assert.ok(masks!.masks!.subarray(0, area).some((v) => v !== 255));
  assert.deepEqual([...boxes!.present], [1, 1, 1, 1, 1, 1]);

  // Uniform sampling: the two-image task gets half of the epoch's draws.
  const uniform = createMultiTaskLoader(data.train, {
    ...PLAIN,
    size: SIZE,
    batchSize: 4,
    tasks: [tasks[0]!, tasks[1]!],
    sampling: 'uniform',
    epochSize: 12,
    ops: [randomScaleCropJoint(SIZE, { scale: [1, 1] })],
  });
  const drawn = (await collect(uniform.epoch(0))).flatMap((b) => [
    ...b.batch.targets.kind!.present,
  ]);
  assert.equal(drawn.length, 12);
  assert.ok(drawn.filter((p) => p === 1).length >= 6, 'at least its 6 draws');
});

test('the same epoch gives the same batches; two ranks together see what one process sees', async (t) => {
  const { data } = await sharedData(await tempDir(t), 8);
  const options = (extra: Partial<MultiTaskLoaderOptions>): MultiTaskLoaderOptions => ({
    ...PLAIN,
    size: SIZE,
    batchSize: 4,
    tasks: taskShapes(data.tasks),
    sampling: 'temperature',
    temperature: 2,
    seed: 7,
    ops: [randomHorizontalFlipJoint(0.5), randomScaleCropJoint(SIZE, { scale: [0.5, 1.5] })],
    ...extra,
  });
  // The training loop's source type: batches are TrainBatches, epochs by index, with a shard.
  const whole: EpochSource<MultiTaskBatch> = createMultiTaskLoader(data.train, options({}));
  const again = await collect(whole.epoch(1));
  const first = await collect(createMultiTaskLoader(data.train, options({})).epoch(1));
  assert.deepEqual(
    again.map((b) => [b.keys, b.x, b.batch.targets.masks!.masks, b.batch.targets.boxes!.boxes]),
    first.map((b) => [b.keys, b.x, b.batch.targets.masks!.masks, b.batch.targets.boxes!.boxes]),
  );
  const other = await collect(whole.epoch(2));
  assert.notDeepEqual(
    other.map((b) => b.x),
    first.map((b) => b.x),
  );

  const ranks = await Promise.all(
    [0, 1].map((rank) =>
      collect(
        createMultiTaskLoader(
          data.train,
          options({ batchSize: 2, shard: { rank, size: 2 } }),
        ).epoch(1),
      ),
    ),
  );
  assert.equal(ranks[0]!.length, first.length);
  first.forEach((global, b) => {
    // Rank r takes positions r, r + 2 of each global batch of 4.
    const [r0, r1] = [ranks[0]![b]!, ranks[1]![b]!];
    assert.deepEqual([r0.keys[0], r1.keys[0], r0.keys[1], r1.keys[1]], global.keys);
    const per = SIZE * SIZE * 3;
    assert.deepEqual(r1.x.subarray(0, per), global.x.subarray(per, 2 * per), 'same augmentation');
  });
});

test('an unreadable image or a size unlike its annotation names the file; skipBad skips it', async (t) => {
  const root = await tempDir(t);
  const coco = await makeSharedCoco(root, { images: 4 });
  const json = JSON.parse(await fs.readFile(coco.annotationFile, 'utf8'));
  json.images[1].width = 20;
  await fs.writeFile(coco.annotationFile, JSON.stringify(json));
  await fs.writeFile(coco.files[2]!, 'not a png');
  const data = await openMultiTaskData(
    [{ name: 'boxes', kind: 'detection', data: coco.annotationFile, val: 0 }],
    { seed: 0 },
  );
  const make = (skipBad: boolean) =>
    createMultiTaskLoader(data.train, {
      ...PLAIN,
      size: SIZE,
      batchSize: 4,
      tasks: taskShapes(data.tasks),
      skipBad,
    });
  await assert.rejects(collect(make(false).epoch(0)), /img00[12]\.png/);
  const loader = make(true);
  const batches = await collect(loader.epoch(0));
  assert.deepEqual(
    batches.flatMap((b) => b.keys.map((k) => k.split('/').pop())),
    ['img000.png', 'img003.png'],
  );
  assert.equal(loader.skipped.count, 2);
  assert.match(
    loader.skipped.examples.join('\n'),
    /img001\.png: the image is 16x16 but task boxes's annotation says 20x16/,
  );
});

test("a run's loaders: augmented training, validation and evaluation in order", async (t) => {
  const root = await tempDir(t);
  const coco = await makeSharedCoco(root, { images: 10 });
  const data = await openMultiTaskData(
    [
      { name: 'boxes', kind: 'detection', data: coco.annotationFile, val: 0.3 },
      { name: 'masks', kind: 'segmentation', data: coco.annotationFile, val: 0.3 },
    ],
    { seed: 2 },
  );
  const loaders = multiTaskLoaders(data, {
    ...PLAIN,
    size: SIZE,
    batchSize: 4,
    seed: 2,
    sampling: 'uniform',
    scale: [0.5, 1.5],
    colorJitter: 0.2,
  });
  assert.equal(loaders.train.numBatches, 2, '7 training images');
  const [val] = await collect(loaders.val.epoch(0));
  assert.deepEqual(
    val!.keys,
    data.val.map((s) => s.key),
  );
  assert.deepEqual([...val!.batch.targets.masks!.present], [1, 1, 1]);
  assert.deepEqual(val!.batch.letterboxes[0], { scaleX: 2, scaleY: 2, padX: 0, padY: 0 });
  assert.equal(loaders.evaluation.numSamples, 3, 'no test data: evaluation is the validation set');
});
