// The photo-set builder on two synthetic "wallpapers" (no Debian package needed): class names,
// the left/right halves, counts, determinism, and train and test crops from disjoint halves.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { buildPhotoSet, CROP_SIZE, className, splitHalves } from './photo-sets.js';

test('className: the wallpaper folder for Plasma’s layout, else the file name', () => {
  assert.equal(className('/usr/share/wallpapers/Path/contents/images/2560x1600.jpg'), 'Path');
  assert.equal(className('/usr/share/backgrounds/mate/nature/Dune.jpg'), 'Dune');
});

test('splitHalves: left and right halves of a landscape photo, top and bottom of a portrait one', () => {
  const photo = (width: number, height: number) => ({
    path: 'p',
    width,
    height,
    data: Uint8Array.from({ length: width * height * 3 }, (_, i) => Math.floor(i / 3) % 251),
  });
  const [left, right] = splitHalves(photo(5, 2));
  assert.deepEqual([left.width, left.height, right.width, right.height], [2, 2, 3, 2]);
  // Pixel (x, y) of the photo holds (y * 5 + x) % 251; the right half starts at x = 2.
  assert.equal(right.data[0], 2);
  assert.equal(right.data[3 * 3], 7);
  const [top, bottom] = splitHalves(photo(2, 5));
  assert.deepEqual([top.width, top.height, bottom.height], [2, 2, 3]);
  assert.equal(bottom.data[0], 4);
});

test('buildPhotoSet: one class per photo, the asked counts, the same bytes for the same seed, train ≠ test', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rank-photos-'));
  try {
    // Left half red, right half blue: a crop's colour says which half it came from.
    const files = ['a', 'b'].map((n) => join(dir, `${n}.png`));
    for (const file of files) {
      const width = 1200;
      const height = 600;
      const data = Buffer.alloc(width * height * 3);
      for (let p = 0; p < width * height; p++) data[p * 3 + (p % width < width / 2 ? 0 : 2)] = 255;
      await sharp(data, { raw: { width, height, channels: 3 } })
        .png()
        .toFile(file);
    }
    const set = { name: 'synthetic', debianPackage: 'none', files };
    const build = async (out: string) =>
      buildPhotoSet(set, { out: join(dir, out), trainPerClass: 3, testPerClass: 2, seed: 1 });
    const manifest = await build('one');
    assert.deepEqual(manifest.classes, ['a', 'b']);
    assert.deepEqual(manifest.counts, { train: 6, test: 4 });
    await build('two');
    for (const split of ['train', 'test'] as const) {
      const names = await readdir(join(dir, 'one', split, 'a'));
      assert.equal(names.length, split === 'train' ? 3 : 2);
      for (const name of names) {
        const bytes = await readFile(join(dir, 'one', split, 'a', name));
        assert.deepEqual(bytes, await readFile(join(dir, 'two', split, 'a', name)));
        const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
        assert.equal(info.width, CROP_SIZE);
        const [red, blue] = [data[0]!, data[2]!];
        assert.ok(split === 'train' ? red > 200 && blue < 50 : blue > 200 && red < 50);
      }
    }
    await assert.rejects(
      buildPhotoSet({ ...set, files: [join(dir, 'missing.jpg')] }, { out: join(dir, 'x') }),
      /missing\.jpg is missing.*apt-get install -y --no-install-recommends none/s,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
