// Tests for the MNIST-M-style benchmark builder. `npm test` runs only src/**/*.test.ts, so these
// run when invoked explicitly:
//   node --import tsx --test bench/adapt/mnist-m.test.ts
// The build test needs the photos of the Debian package mate-backgrounds and skips (saying why)
// where it is not installed.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { openFolder } from '../../src/data/sources/folder.js';
import { MNIST_CLASSES } from '../../src/data/sources/mnist.js';
import { Rng } from '../../src/util/rng.js';
import {
  blendDigit,
  buildMnistM,
  cutPatches,
  findPhotos,
  INSTALL_HINT,
  type Manifest,
  type Photo,
} from './mnist-m.js';

test('blendDigit is |digit - patch| per channel, including the 0 and 255 extremes', () => {
  const rng = new Rng(1);
  for (let trial = 0; trial < 20; trial++) {
    const digit = new Uint8Array(784);
    const patch = new Uint8Array(784 * 3);
    const extreme = (): number => [0, 255, rng.int(256)][rng.int(3)]!;
    for (let i = 0; i < digit.length; i++) digit[i] = extreme();
    for (let i = 0; i < patch.length; i++) patch[i] = extreme();
    const out = blendDigit(digit, patch);
    assert.equal(out.length, 784 * 3);
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const d = digit[y * 28 + x]!;
        for (let c = 0; c < 3; c++) {
          const p = patch[(y * 28 + x) * 3 + c]!;
          const want = d > p ? d - p : p - d;
          assert.equal(out[(y * 28 + x) * 3 + c], want, `pixel (${x},${y}) channel ${c}`);
        }
      }
    }
  }
  // Extremes by hand: a white stroke inverts the patch, a black background keeps it.
  const white = blendDigit(Uint8Array.of(255), Uint8Array.of(0, 255, 100));
  assert.deepEqual([...white], [255, 0, 155]);
  const black = blendDigit(Uint8Array.of(0), Uint8Array.of(0, 255, 100));
  assert.deepEqual([...black], [0, 255, 100]);
  assert.throws(() => blendDigit(new Uint8Array(784), new Uint8Array(784)), RangeError);
});

/** A photo whose pixel (x, y) is (x, y, x ^ y), so every crop says where it came from. */
function positionPhoto(width: number, height: number): Photo {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set([x, y, (x ^ y) & 255], (y * width + x) * 3);
  }
  return { path: 'synthetic', width, height, data };
}

test('cutPatches: crops of the right size, wholly inside the photo, at their (x, y)', () => {
  const photo = positionPhoto(61, 40);
  const patches = cutPatches(photo, 500, 28, new Rng(3));
  assert.equal(patches.length, 500);
  const xs = new Set<number>();
  const ys = new Set<number>();
  for (const p of patches) {
    assert.equal(p.size, 28);
    assert.equal(p.data.length, 28 * 28 * 3);
    assert.ok(p.x >= 0 && p.x + 28 <= photo.width, `x ${p.x}`);
    assert.ok(p.y >= 0 && p.y + 28 <= photo.height, `y ${p.y}`);
    for (let r = 0; r < 28; r++) {
      for (let c = 0; c < 28; c++) {
        const o = (r * 28 + c) * 3;
        const [x, y] = [p.x + c, p.y + r];
        assert.deepEqual([...p.data.subarray(o, o + 3)], [x, y, (x ^ y) & 255]);
      }
    }
    xs.add(p.x);
    ys.add(p.y);
  }
  // Every corner position is reachable, including both edges.
  assert.equal(xs.size, 61 - 28 + 1);
  assert.equal(ys.size, 40 - 28 + 1);
  // A photo exactly patch-sized gives the whole photo; a smaller one is refused.
  const exact = cutPatches(positionPhoto(28, 28), 3, 28, new Rng(0));
  for (const p of exact) assert.deepEqual([p.x, p.y], [0, 0]);
  assert.throws(() => cutPatches(positionPhoto(27, 40), 1, 28, new Rng(0)), RangeError);
});

test('cutPatches is deterministic for a seed and differs between seeds', () => {
  const photo = positionPhoto(320, 480);
  const corners = (seed: number) =>
    cutPatches(photo, 50, 28, new Rng(seed).fork('patches')).map((p) => [p.x, p.y]);
  assert.deepEqual(corners(7), corners(7));
  assert.notDeepEqual(corners(7), corners(8));
});

test('findPhotos skips SVGs and tiny images and names the apt-get command when none are left', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mnistm-photos-'));
  try {
    const noise = (w: number, h: number) => {
      const rng = new Rng(w * h);
      const data = Buffer.alloc(w * h * 3);
      for (let i = 0; i < data.length; i++) data[i] = rng.int(256);
      return sharp(data, { raw: { width: w, height: h, channels: 3 } });
    };
    await writeFile(
      join(dir, 'logo.svg'),
      '<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600"><rect width="800" height="600" fill="red"/></svg>',
    );
    await noise(100, 80).png().toFile(join(dir, 'icon.png'));
    await writeFile(join(dir, 'notes.txt'), 'not a photo');
    await assert.rejects(findPhotos([dir]), (err: Error) => {
      assert.ok(err.message.includes(INSTALL_HINT), err.message);
      assert.ok(
        err.message.includes('apt-get install -y --no-install-recommends mate-backgrounds'),
      );
      return true;
    });
    await noise(400, 300).jpeg().toFile(join(dir, 'photo.jpg'));
    assert.deepEqual(await findPhotos([dir]), [join(dir, 'photo.jpg')]);
    await assert.rejects(findPhotos([join(dir, 'missing')]), /mate-backgrounds/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

const installed = await findPhotos().then(
  (photos) => photos,
  (err: Error) => err,
);
const skip =
  installed instanceof Error
    ? `mate-backgrounds is not installed (${INSTALL_HINT.replace('apt-get update && ', '')})`
    : false;
if (skip) console.log(`# skipping the MNIST-M build test: ${skip}`);

async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listTree(p)));
    else out.push(p);
  }
  return out;
}

/** Mean over pixels of (max channel - min channel): 0 for grey images. */
async function channelSpread(file: string): Promise<number> {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  assert.equal(info.channels, 3, file);
  assert.deepEqual([info.width, info.height], [28, 28], file);
  let sum = 0;
  for (let p = 0; p < data.length; p += 3) {
    sum +=
      Math.max(data[p]!, data[p + 1]!, data[p + 2]!) -
      Math.min(data[p]!, data[p + 1]!, data[p + 2]!);
  }
  return sum / (data.length / 3);
}

test('a small build: layout, flat unlabelled folder, colourful target, grey source, manifest', {
  skip,
}, async () => {
  const root = await mkdtemp(join(tmpdir(), 'mnistm-build-'));
  try {
    const a = join(root, 'a');
    const result = await buildMnistM({
      out: a,
      sourceTrain: 20,
      targetTrain: 20,
      targetTest: 20,
      seed: 5,
    });
    const m = JSON.parse(await readFile(join(a, 'manifest.json'), 'utf8')) as Manifest;
    assert.deepEqual(m, JSON.parse(JSON.stringify(result.manifest)));
    assert.equal(m.seed, 5);
    assert.deepEqual(m.counts, {
      source: 20,
      targetUnlabelled: 20,
      targetTrainLabelled: 20,
      targetTest: 20,
    });
    assert.deepEqual(
      m.photos.map((p) => p.path),
      installed as string[],
    );
    assert.equal(
      m.photos.reduce((s, p) => s + p.patches, 0),
      40,
    );

    const top = (await readdir(a)).sort();
    assert.deepEqual(top, [
      'manifest.json',
      'source',
      'target-test',
      'target-train-labelled',
      'target-unlabelled',
    ]);

    // Unlabelled target: exactly 20 PNG files, no folders, names that say nothing of the digit.
    const unl = await readdir(join(a, 'target-unlabelled'), { withFileTypes: true });
    assert.equal(unl.length, 20);
    for (const e of unl) {
      assert.ok(e.isFile(), `${e.name} is not a file`);
      assert.match(e.name, /^t\d{5}\.png$/);
    }

    // Labelled folders: digit class folders only, readable by visiontune's folder source.
    const source = await listTree(join(a, 'source'));
    const labelled = await listTree(join(a, 'target-train-labelled'));
    const testFiles = await listTree(join(a, 'target-test'));
    assert.equal(source.length, 20);
    assert.equal(labelled.length, 20);
    assert.equal(testFiles.length, 20);
    for (const f of source) assert.match(f, /\/source\/train\/\d\/s\d{5}\.png$/);
    for (const f of labelled) assert.match(f, /\/target-train-labelled\/train\/\d\/t\d{5}\.png$/);
    for (const f of testFiles) assert.match(f, /\/target-test\/\d\/e\d{5}\.png$/);
    const perClass = new Array<number>(10).fill(0);
    for (const f of testFiles) perClass[Number(f.split('/').at(-2))]!++;
    assert.deepEqual(perClass, m.perClass.targetTest);

    // The labelled target-train images are the unlabelled ones, byte for byte.
    const hash = async (f: string) =>
      createHash('sha256')
        .update(await readFile(f))
        .digest('hex');
    const byName = new Map(labelled.map((f) => [f.split('/').at(-1)!, f]));
    for (const e of unl) {
      assert.equal(
        await hash(join(a, 'target-unlabelled', e.name)),
        await hash(byName.get(e.name)!),
      );
    }

    for (const [dir, n] of [
      ['source', 20],
      ['target-train-labelled', 20],
      ['target-test', 20],
    ] as const) {
      const ds = await openFolder(join(a, dir), { labels: MNIST_CLASSES, verify: 'full' });
      assert.equal(ds.splits.train?.length, n, dir);
    }

    // Source digits are grey; blended target digits are colourful.
    for (const f of source) assert.equal(await channelSpread(f), 0, f);
    const spreads = await Promise.all(
      [...unl.map((e) => join(a, 'target-unlabelled', e.name)), ...testFiles].map(channelSpread),
    );
    const mean = spreads.reduce((s, v) => s + v, 0) / spreads.length;
    assert.ok(mean > 15, `mean channel spread of target images ${mean.toFixed(1)}`);

    // Deterministic for a seed: a second build gives the same bytes; another seed does not.
    const b = join(root, 'b');
    await buildMnistM({ out: b, sourceTrain: 20, targetTrain: 20, targetTest: 20, seed: 5 });
    const treeA = await listTree(a);
    const treeB = await listTree(b);
    assert.deepEqual(
      treeA.map((f) => f.slice(a.length)),
      treeB.map((f) => f.slice(b.length)),
    );
    for (let i = 0; i < treeA.length; i++) {
      if (treeA[i]!.endsWith('manifest.json')) continue;
      assert.equal(await hash(treeA[i]!), await hash(treeB[i]!), treeA[i]);
    }
    const c = join(root, 'c');
    await buildMnistM({ out: c, sourceTrain: 20, targetTrain: 20, targetTest: 20, seed: 6 });
    const unlC = (await readdir(join(c, 'target-unlabelled'))).sort();
    assert.notEqual(
      await hash(join(c, 'target-unlabelled', unlC[0]!)),
      await hash(join(a, 'target-unlabelled', unl.map((e) => e.name).sort()[0]!)),
    );

    // Rebuilding into the same folder replaces it rather than mixing old and new files.
    await buildMnistM({ out: a, sourceTrain: 5, targetTrain: 5, targetTest: 5, seed: 5 });
    assert.equal((await readdir(join(a, 'target-unlabelled'))).length, 5);
    assert.equal((await listTree(join(a, 'source'))).length, 5);
    assert.ok((await stat(join(a, 'manifest.json'))).isFile());
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
