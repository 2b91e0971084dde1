// Tests for the synthetic segmentation data. `npm test` runs only src/**/*.test.ts, so this runs
// when invoked explicitly:
//   node --import tsx --test bench/segment/make-segmentation-set.test.ts
// The builds use a synthetic photo written to a temp folder, so they need no apt package.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { openSegmentationFolder } from '../../src/data/segmentation/folder.js';
import { readClassesFile } from '../../src/data/segmentation/open.js';
import { readMask } from '../../src/data/segmentation/read-mask.js';
import { Rng } from '../../src/util/rng.js';
import { loadPhoto } from '../adapt/mnist-m.js';
import {
  FASHION_OFFSET,
  makeSegmentationSet,
  SEGMENTATION_CLASSES,
  type SegmentationImageInfo,
} from './make-segmentation-set.js';

let root = '';
let photo = '';

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'segment-set-'));
  // A smooth two-way gradient with mild noise (as in bench/detect/make-sets.test.ts).
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

const size = 64;
const make = (dir: string, format: 'png' | 'jpeg', seed: number, images = 6) =>
  makeSegmentationSet({ dir: join(root, dir), images, size, seed, format, photos: [photo] });

interface SetFile {
  info: { photoShortSide: number; classes: string[]; pixelCounts: number[] };
  images: SegmentationImageInfo[];
}

/** The background crop an image was painted on, rebuilt from set.json. */
async function backgroundOf(image: SegmentationImageInfo, shortSide: number): Promise<Uint8Array> {
  const source = await loadPhoto(photo, shortSide);
  const { x: bx, y: by, flip } = image.background;
  const out = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const sx = bx + (flip ? size - 1 - x : x);
      for (let c = 0; c < 3; c++)
        out[(y * size + x) * 3 + c] = source.data[((by + y) * source.width + sx) * 3 + c]!;
    }
  }
  return out;
}

/**
 * How well `labels` explains `rgb` against its background crop `bg`: the share of background
 * pixels at least `margin` px (Chebyshev) from any object pixel that equal the crop exactly, and
 * per object class the share of its pixels that differ from the crop by more than 30 (L1 over RGB).
 */
function agreement(labels: Uint8Array, rgb: Uint8Array, bg: Uint8Array, margin = 4) {
  const near = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (labels[y * size + x] === 0) continue;
      for (let dy = -margin; dy <= margin; dy++) {
        for (let dx = -margin; dx <= margin; dx++) {
          const [u, v] = [x + dx, y + dy];
          if (u >= 0 && v >= 0 && u < size && v < size) near[v * size + u] = 1;
        }
      }
    }
  }
  let far = 0;
  let farEqual = 0;
  const differ = new Map<number, [number, number]>();
  for (let p = 0; p < size * size; p++) {
    let d = 0;
    for (let c = 0; c < 3; c++) d += Math.abs(rgb[p * 3 + c]! - bg[p * 3 + c]!);
    const cls = labels[p]!;
    if (cls === 0) {
      if (near[p]) continue;
      far++;
      if (d === 0) farEqual++;
    } else {
      const [n, k] = differ.get(cls) ?? [0, 0];
      differ.set(cls, [n + 1, k + (d > 30 ? 1 : 0)]);
    }
  }
  return {
    background: far === 0 ? 1 : farEqual / far,
    objects: new Map([...differ].map(([cls, [n, k]]) => [cls, k / n])),
  };
}

test('segmentation set: a folder openSegmentationFolder reads, index masks 0..20, classes.txt', async () => {
  const set = await make('png-a', 'png', 5);
  assert.deepEqual(set.classes, SEGMENTATION_CLASSES);
  assert.equal(set.classes.length, 21);
  assert.deepEqual(set.classes.slice(0, 3), ['background', 'digit 0', 'digit 1']);
  assert.equal(set.classes[FASHION_OFFSET], 'T-shirt/top');
  assert.deepEqual(await readClassesFile(join(set.dir, 'classes.txt')), set.classes);
  assert.deepEqual(
    (await readdir(join(set.dir, 'images'))).sort(),
    ['000001', '000002', '000003', '000004', '000005', '000006'].map((s) => `${s}.png`),
  );
  const ds = await openSegmentationFolder(set.dir, { classes: set.classes, mode: 'index' });
  assert.equal(ds.samples.length, 6);
  assert.deepEqual(ds.skipped, []);
  assert.deepEqual(set.dataset.samples, ds.samples);

  const meta = JSON.parse(await readFile(join(set.dir, 'set.json'), 'utf8')) as SetFile;
  const seen = new Set<number>();
  const counts = new Array<number>(21).fill(0);
  for (const [k, sample] of ds.samples.entries()) {
    const info = meta.images[k]!;
    assert.equal(join(set.dir, info.mask), sample.mask);
    const mask = await readMask(sample.mask, { mode: 'index', numClasses: 21 });
    assert.deepEqual([mask.width, mask.height], [size, size]);
    const onMask = new Map<number, number>();
    for (const v of mask.data) {
      assert.ok(v <= 20, `mask value ${v}`);
      counts[v]!++;
      if (v > 0) onMask.set(v, (onMask.get(v) ?? 0) + 1);
    }
    // The mask's pixels per class are those set.json records for the image's objects.
    assert.ok(info.objects.length >= 1 && info.objects.length <= 4, `${info.objects.length}`);
    const recorded = new Map<number, number>();
    for (const o of info.objects) {
      assert.ok(o.pixels >= 0.5 * o.area && o.pixels <= o.area, JSON.stringify(o));
      recorded.set(o.cls, (recorded.get(o.cls) ?? 0) + o.pixels);
      seen.add(o.cls);
    }
    assert.deepEqual(
      [...onMask].sort((a, b) => a[0] - b[0]),
      [...recorded].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]),
    );
  }
  assert.deepEqual(counts, meta.info.pixelCounts);
  assert.deepEqual(counts, set.pixelCounts);
  // Both sources take part (over 6 images with 1..4 objects each, 50/50).
  assert.ok(
    [...seen].some((c) => c < FASHION_OFFSET),
    `classes ${[...seen]}`,
  );
  assert.ok(
    [...seen].some((c) => c >= FASHION_OFFSET),
    `classes ${[...seen]}`,
  );
});

test('segmentation set: masks line up with the painted objects (and a mirrored mask does not)', async () => {
  const set = await make('png-b', 'png', 9);
  const meta = JSON.parse(await readFile(join(set.dir, 'set.json'), 'utf8')) as SetFile;
  let mirroredWorse = 0;
  for (const [k, sample] of set.dataset.samples.entries()) {
    const info = meta.images[k]!;
    const bg = await backgroundOf(info, meta.info.photoShortSide);
    const { data: rgb } = await sharp(sample.image).raw().toBuffer({ resolveWithObject: true });
    const { data: labels } = await readMask(sample.mask, { mode: 'index', numClasses: 21 });
    const good = agreement(labels, rgb, bg);
    // Away from objects the image is the crop itself; each object's pixels are repainted.
    assert.ok(good.background >= 0.98, `image ${k + 1}: background ${good.background}`);
    for (const [cls, share] of good.objects)
      assert.ok(share >= 0.8, `image ${k + 1}: class ${cls} differs at only ${share}`);
    // The same check against the mask mirrored left-right fails on (almost) every image.
    const mirrored = new Uint8Array(labels.length);
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) mirrored[y * size + x] = labels[y * size + size - 1 - x]!;
    const bad = agreement(mirrored, rgb, bg);
    const worstObject = Math.min(...bad.objects.values());
    if (bad.background < 0.98 || worstObject < 0.8) mirroredWorse++;
  }
  assert.ok(mirroredWorse >= 5, `mirrored masks passed on ${6 - mirroredWorse} of 6 images`);
});

test('segmentation set: same seed, same bytes; another seed differs', async () => {
  const read = async (dir: string) => {
    const out: Buffer[] = [];
    for (const sub of ['images', 'masks'])
      for (const f of (await readdir(join(dir, sub))).sort())
        out.push(await readFile(join(dir, sub, f)));
    out.push(await readFile(join(dir, 'set.json')));
    return out;
  };
  const a = await make('jpg-a', 'jpeg', 4, 3);
  const b = await make('jpg-b', 'jpeg', 4, 3);
  const c = await make('jpg-c', 'jpeg', 5, 3);
  const [fa, fb, fc] = await Promise.all([read(a.dir), read(b.dir), read(c.dir)]);
  assert.equal(fa.length, 7);
  assert.ok(a.dataset.samples.every((s) => s.image.endsWith('.jpg')));
  for (const [i, buf] of fa.entries()) assert.ok(buf.equals(fb[i]!), `file ${i} differs`);
  assert.ok(!fa[3]!.equals(fc[3]!), 'seed 5 gave the same first mask as seed 4');
});
