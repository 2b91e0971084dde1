// Tests for the synthetic detection and tracking data (issue 8). `npm test` runs only
// src/**/*.test.ts, so these run when invoked explicitly:
//   node --import tsx --test bench/detect/make-sets.test.ts
// The builds use a synthetic photo written to a temp folder, so they need no apt package.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { openCoco } from '../../src/data/detection/coco.js';
import { parseMotTracks } from '../../src/track/mot-format.js';
import type { Box, Track } from '../../src/track/types.js';
import { Rng } from '../../src/util/rng.js';
import { loadPhoto } from '../adapt/mnist-m.js';
import {
  composite,
  glyphBox,
  makeDetectionSet,
  openDigits,
  rasterDigit,
} from './make-detection-set.js';
import { makeTrackingSequence, noisyDetections } from './make-tracking-set.js';

let root = '';
let photo = '';

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'detect-sets-'));
  // A smooth two-way gradient with mild noise: every crop is different, and no region is so
  // busy that a digit's ink could match it by chance.
  const [w, h] = [360, 300];
  const data = Buffer.alloc(w * h * 3);
  const rng = new Rng(11);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      data[o] = 30 + Math.round((x / w) * 190) + rng.int(7);
      data[o + 1] = 220 - Math.round((y / h) * 180) + rng.int(7);
      data[o + 2] = 90 + rng.int(7);
    }
  }
  photo = join(root, 'photo.png');
  await sharp(data, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toFile(photo);
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

test('rasterDigit at scale 1 reproduces the MNIST digit; glyphBox is its stroke box', async () => {
  const digits = await openDigits('train');
  const shape = await digits.get(5);
  const glyph = rasterDigit(shape.grey, 1, 10, 20);
  assert.deepEqual([glyph.x0, glyph.y0, glyph.width, glyph.height], [10, 20, 28, 28]);
  for (let p = 0; p < 784; p++) assert.ok(Math.abs(glyph.alpha[p]! * 255 - shape.grey[p]!) < 1e-3);
  const b = shape.box;
  assert.deepEqual(glyphBox(glyph, 100), { x: 10 + b.x, y: 20 + b.y, w: b.w, h: b.h });
  // Scaled 3x, the stroke box scales with it (to within the resampling's fringe).
  const big = glyphBox(rasterDigit(shape.grey, 3, 0, 0), 200)!;
  assert.ok(Math.abs(big.h - 3 * b.h) <= 3 && Math.abs(big.x - 3 * b.x) <= 3, JSON.stringify(big));
  // Clipped to the image.
  assert.deepEqual(glyphBox(rasterDigit(shape.grey, 1, -100, 0), 100), null);
});

test('composite: the nearer layer hides the farther one; visibility counts ink that shows', () => {
  const size = 8;
  const bg = new Uint8Array(size * size * 3).fill(100);
  const square = (x0: number, y0: number) => ({
    x0,
    y0,
    width: 4,
    height: 4,
    alpha: new Float32Array(16).fill(1),
  });
  const { rgb, visibility } = composite(bg, size, [
    { glyph: square(0, 0), paint: { kind: 'color', rgb: [255, 0, 0] } },
    { glyph: square(2, 0), paint: { kind: 'invert' } },
    { glyph: square(6, 6), paint: { kind: 'invert' } },
  ]);
  assert.deepEqual(visibility, [1, 0.5, 0.25]);
  assert.deepEqual([...rgb.subarray(0, 3)], [255, 0, 0]); // near layer
  assert.deepEqual([...rgb.subarray(4 * 3, 4 * 3 + 3)], [155, 155, 155]); // far layer, inverted
  assert.deepEqual([...rgb.subarray((5 * size + 5) * 3, (5 * size + 5) * 3 + 3)], [100, 100, 100]);
});

interface CocoFile {
  info: { photoShortSide: number; photos: string[] };
  images: {
    id: number;
    file_name: string;
    width: number;
    height: number;
    background: { photo: number; x: number; y: number; flip: boolean };
  }[];
  annotations: { image_id: number; category_id: number; bbox: number[]; area: number }[];
  categories: { id: number; name: string }[];
}

const inside = (b: number[], x: number, y: number) =>
  x >= b[0]! && x < b[0]! + b[2]! && y >= b[1]! && y < b[1]! + b[3]!;

test('detection set: opens with openCoco, tight boxes on stroke pixels, same bytes per seed', async () => {
  const size = 128;
  const maxDigits = 4;
  const make = (dir: string, format: 'png' | 'jpeg', images: number) =>
    makeDetectionSet({
      dir: join(root, dir),
      images,
      size,
      seed: 3,
      maxDigits,
      negativeRate: 0.2,
      format,
      photos: [photo],
    });
  const a = await make('det-a', 'png', 16);
  const ds = await openCoco(a.annotationFile);
  assert.equal(ds.samples.length, 16);
  assert.deepEqual(ds.categories, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.deepEqual(ds.skipped, []);
  const counts = ds.samples.map((s) => s.boxes.length);
  assert.ok(
    counts.every((n) => n >= 0 && n <= maxDigits),
    `counts ${counts}`,
  );
  assert.ok(counts.some((n) => n === 0) && counts.some((n) => n >= 2), `counts ${counts}`);
  assert.deepEqual(a.dataset.samples, ds.samples);

  const coco = JSON.parse(await readFile(a.annotationFile, 'utf8')) as CocoFile;
  assert.equal(
    coco.annotations.length,
    counts.reduce((s, n) => s + n, 0),
  );
  const source = await loadPhoto(photo, coco.info.photoShortSide);
  let tightChecked = 0;
  for (const image of coco.images) {
    const boxes = coco.annotations.filter((an) => an.image_id === image.id).map((an) => an.bbox);
    for (const b of boxes) {
      assert.ok(b[0]! >= 0 && b[1]! >= 0 && b[0]! + b[2]! <= size && b[1]! + b[3]! <= size);
      // A '1' may be 1–2 px wide; the long side is at least the 6 px floor less rounding.
      assert.ok(Math.max(b[2]!, b[3]!) >= 5 && b[2]! >= 1 && b[3]! >= 1, `box ${b}`);
    }
    // Rebuild the pure background from the recorded crop and compare.
    const { data } = await sharp(join(dirname(a.annotationFile), image.file_name))
      .raw()
      .toBuffer({ resolveWithObject: true });
    const { x: bx, y: by, flip } = image.background;
    const diff = new Float32Array(size * size);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const sx = bx + (flip ? size - 1 - x : x);
        for (let c = 0; c < 3; c++) {
          const d = Math.abs(
            data[(y * size + x) * 3 + c]! - source.data[((by + y) * source.width + sx) * 3 + c]!,
          );
          diff[y * size + x] = Math.max(diff[y * size + x]!, d);
        }
      }
    }
    // Outside every box only the faint fringe of the strokes (alpha <= 0.3) may show.
    let inkIn = 0;
    let inkOut = 0;
    for (let p = 0; p < size * size; p++) {
      const [x, y] = [p % size, Math.floor(p / size)];
      if (boxes.some((b) => inside(b, x, y))) inkIn += diff[p]!;
      else {
        inkOut += diff[p]!;
        assert.ok(diff[p]! <= 0.3 * 255 + 1, `image ${image.id}: ink ${diff[p]} at (${x},${y})`);
      }
    }
    if (boxes.length === 0) assert.equal(inkOut, 0, `negative image ${image.id} is not bare`);
    else assert.ok(inkOut < 0.35 * inkIn, `image ${image.id}: ${inkOut} ink outside, ${inkIn} in`);
    // A box alone (no other box near it): its strong ink spans it to within 2 px on every side.
    for (const b of boxes) {
      const grown = [b[0]! - 3, b[1]! - 3, b[2]! + 6, b[3]! + 6];
      const alone = boxes.every(
        (o) =>
          o === b ||
          o[0]! >= grown[0]! + grown[2]! ||
          o[0]! + o[2]! <= grown[0]! ||
          o[1]! >= grown[1]! + grown[3]! ||
          o[1]! + o[3]! <= grown[1]!,
      );
      if (!alone) continue;
      let [x0, y0, x1, y1] = [size, size, -1, -1];
      for (let y = b[1]!; y < b[1]! + b[3]!; y++) {
        for (let x = b[0]!; x < b[0]! + b[2]!; x++) {
          if (diff[y * size + x]! <= 20) continue;
          [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
        }
      }
      const slack = [x0 - b[0]!, y0 - b[1]!, b[0]! + b[2]! - 1 - x1, b[1]! + b[3]! - 1 - y1];
      assert.ok(
        x1 >= 0 && slack.every((s) => s <= 2),
        `image ${image.id} box ${b}: slack ${slack}`,
      );
      tightChecked++;
    }
  }
  assert.ok(tightChecked >= 5, `only ${tightChecked} boxes checked for tightness`);

  // Same seed, same JSON and bytes; JPEG output too.
  const b = await make('det-b', 'png', 16);
  assert.equal(await readFile(b.annotationFile, 'utf8'), await readFile(a.annotationFile, 'utf8'));
  const files = (await readdir(a.imagesDir)).sort();
  assert.deepEqual((await readdir(b.imagesDir)).sort(), files);
  for (const f of files)
    assert.ok((await readFile(join(a.imagesDir, f))).equals(await readFile(join(b.imagesDir, f))));
  const j1 = await make('det-j1', 'jpeg', 3);
  const j2 = await make('det-j2', 'jpeg', 3);
  const first = coco.images[0]!.file_name.replace('.png', '.jpg');
  assert.ok(
    (await readFile(join(j1.imagesDir, '..', first))).equals(
      await readFile(join(j2.imagesDir, '..', first)),
    ),
  );
});

const centre = (b: Box) => [b.x + b.w / 2, b.y + b.h / 2] as const;

test('tracking sequence: MOT ground truth, persistent ids, small steps, deterministic', async () => {
  const size = 128;
  const frames = 40;
  const objects = 4;
  const make = (dir: string) =>
    makeTrackingSequence({ dir: join(root, dir), frames, objects, size, seed: 9, photos: [photo] });
  const seq = await make('seq-a');
  const files = (await readdir(seq.framesDir)).sort();
  assert.equal(files.length, frames);
  assert.equal(files[0], '000001.jpg');
  const meta = await sharp(join(seq.framesDir, files[frames - 1]!)).metadata();
  assert.deepEqual([meta.width, meta.height], [size, size]);

  const text = await readFile(seq.gtFile, 'utf8');
  assert.match(text.split('\n')[0]!, /^1,\d+,[\d.]+,[\d.]+,[\d.]+,[\d.]+,1,-1,-1,-1$/);
  const gt = parseMotTracks(text, seq.gtFile);
  assert.equal(gt.length, seq.gt.length);
  const byId = new Map<number, Track[]>();
  for (const t of gt) {
    const { x, y, w, h } = t.box;
    assert.ok(x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= size && y + h <= size);
    byId.set(t.id, [...(byId.get(t.id) ?? []), t]);
  }
  assert.deepEqual([...byId.keys()].sort(), [1, 2, 3, 4]);
  for (const [id, rows] of byId) {
    // Nearly every frame (only heavy occlusion drops a box), at most one box per frame.
    assert.ok(rows.length >= frames * 0.8, `id ${id}: ${rows.length} boxes`);
    assert.equal(new Set(rows.map((r) => r.frame)).size, rows.length);
    let moved = 0;
    for (let k = 1; k < rows.length; k++) {
      const [ax, ay] = centre(rows[k - 1]!.box);
      const [bx, by] = centre(rows[k]!.box);
      const gap = rows[k]!.frame - rows[k - 1]!.frame;
      const step = Math.hypot(bx - ax, by - ay) / gap;
      // Speed <= 3 px at 256 (1.5 here) x 1.3, plus a pixel or two of box rounding.
      assert.ok(step <= 4, `id ${id} frame ${rows[k]!.frame}: ${step.toFixed(2)} px`);
      moved += step;
    }
    assert.ok(moved > 5, `id ${id} hardly moves (${moved.toFixed(1)} px in all)`);
  }
  assert.ok(seq.gt.every((g) => g.visibility >= 0.3 && g.visibility <= 1 + 1e-9));

  const again = await make('seq-b');
  assert.equal(await readFile(again.gtFile, 'utf8'), text);
  const last = files[frames - 1]!;
  assert.ok(
    (await readFile(join(seq.framesDir, last))).equals(await readFile(join(again.framesDir, last))),
  );
});

/** 300 frames x 8 identities of random-walking boxes in a 640 x 480 frame. */
function syntheticGt(occludedEvery = 0): (Track & { visibility: number })[] {
  const rng = new Rng(21);
  const gt: (Track & { visibility: number })[] = [];
  for (let id = 1; id <= 8; id++) {
    let [x, y] = [rng.uniform(0, 560), rng.uniform(0, 400)];
    const [w, h] = [rng.uniform(20, 80), rng.uniform(20, 80)];
    for (let frame = 1; frame <= 300; frame++) {
      x = Math.min(640 - w, Math.max(0, x + rng.normal() * 2));
      y = Math.min(480 - h, Math.max(0, y + rng.normal() * 2));
      const occluded = occludedEvery > 0 && (frame + id) % occludedEvery === 0;
      gt.push({ id, frame, box: { x, y, w, h }, visibility: occluded ? 0.5 : 1 });
    }
  }
  return gt;
}

test('noisyDetections: miss, low-score and false-positive rates; occluded boxes scored low', () => {
  const gt = syntheticGt();
  const same = (a: Box, b: Box) =>
    Math.abs(a.x - b.x) + Math.abs(a.y - b.y) + Math.abs(a.w - b.w) + Math.abs(a.h - b.h) < 1e-6;
  const frame = { width: 640, height: 480 };
  const dets = noisyDetections(gt, { seed: 1, jitter: 0, ...frame });
  const gtByFrame = new Map<number, Box[]>();
  for (const t of gt) gtByFrame.set(t.frame, [...(gtByFrame.get(t.frame) ?? []), t.box]);
  const trueDets = dets.filter((d) => gtByFrame.get(d.frame)!.some((b) => same(b, d.box)));
  const fps = dets.filter((d) => !trueDets.includes(d));
  // 2400 boxes, missRate 0.1: 2160 found, sd ~15.
  assert.ok(Math.abs(trueDets.length - 2160) < 60, `${trueDets.length} found`);
  const low = trueDets.filter((d) => d.score < 0.5);
  assert.ok(low.every((d) => d.score >= 0.1));
  assert.ok(trueDets.every((d) => d.score < 0.5 || (d.score >= 0.6 && d.score < 1)));
  assert.ok(Math.abs(low.length / trueDets.length - 0.2) < 0.005, `${low.length} low`);
  // 300 frames x 0.2 false positives: 60, sd ~8.
  assert.ok(fps.length >= 30 && fps.length <= 90, `${fps.length} false positives`);
  assert.ok(fps.every((d) => d.score >= 0.1 && d.score < 0.6));
  assert.ok(dets.every((d) => d.box.x >= 0 && d.box.x + d.box.w <= 640 + 1e-9));
  assert.deepEqual(noisyDetections(gt, { seed: 1, jitter: 0, ...frame }), dets);
  assert.notDeepEqual(noisyDetections(gt, { seed: 2, jitter: 0, ...frame }), dets);

  // Default jitter (5% of the box): found boxes stay close to their ground truth.
  const jittered = noisyDetections(gt, { seed: 1, ...frame, falsePositivesPerFrame: 0 });
  const shifts = jittered.map((d) => {
    const near = gtByFrame
      .get(d.frame)!
      .map((b) => Math.hypot(...centre(b).map((v, i) => v - centre(d.box)[i]!)) / b.w);
    return Math.min(...near);
  });
  const mean = shifts.reduce((s, v) => s + v, 0) / shifts.length;
  assert.ok(mean > 0.02 && mean < 0.12, `mean centre shift ${mean.toFixed(3)} of the width`);

  // A quarter of the boxes half hidden: the 20% low scores all go to them.
  const occ = syntheticGt(4);
  const hidden = new Set(occ.filter((t) => t.visibility < 1).map((t) => `${t.frame}:${t.id}`));
  const occDets = noisyDetections(occ, { seed: 1, jitter: 0, falsePositivesPerFrame: 0, ...frame });
  const lowOcc = occDets.filter((d) => d.score < 0.5);
  assert.ok(lowOcc.length > 300);
  const hiddenRow = (d: { frame: number; box: Box }) =>
    occ.some((t) => t.frame === d.frame && same(t.box, d.box) && hidden.has(`${t.frame}:${t.id}`));
  assert.ok(lowOcc.every(hiddenRow), 'a low score went to a fully visible box');
});
