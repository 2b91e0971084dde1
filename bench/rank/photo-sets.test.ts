// The photo-set builder on two synthetic "wallpapers" (no Debian package needed): class names,
// the checkerboard, counts, determinism, and train and test crops that never share a pixel.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { buildPhotoSet, CROP_SIZE, className, gridCells } from './photo-sets.js';

test('className: the wallpaper folder for Plasma’s layout, else the file name', () => {
  assert.equal(className('/usr/share/wallpapers/Path/contents/images/2560x1600.jpg'), 'Path');
  assert.equal(className('/usr/share/backgrounds/mate/nature/Dune.jpg'), 'Dune');
});

test('gridCells: the cells tile the photo exactly, alternating train and test', () => {
  const cells = gridCells(1075, 672);
  assert.equal(cells.length, 3 * 5);
  const covered = new Uint8Array(1075 * 672);
  for (const c of cells)
    for (let y = c.y; y < c.y + c.height; y++)
      for (let x = c.x; x < c.x + c.width; x++) covered[y * 1075 + x]!++;
  assert.ok(covered.every((v) => v === 1));
  // Neighbours (sharing an edge) belong to different splits.
  for (const a of cells)
    for (const b of cells)
      if (a.x + a.width === b.x && a.y === b.y) assert.notEqual(a.split, b.split);
});

test('buildPhotoSet: one class per photo, the asked counts, the same bytes for the same seed, train crops disjoint from test crops', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rank-photos-'));
  try {
    const files = ['a', 'b'].map((n) => join(dir, `${n}.png`));
    for (const [i, file] of files.entries()) {
      const [width, height] = [1280 + i * 300, 800];
      const data = Buffer.alloc(width * height * 3, 40 + i * 100);
      await sharp(data, { raw: { width, height, channels: 3 } })
        .png()
        .toFile(file);
    }
    const set = { name: 'synthetic', debianPackage: 'none', files };
    const build = async (out: string) =>
      buildPhotoSet(set, { out: join(dir, out), trainPerClass: 6, testPerClass: 5, seed: 1 });
    const manifest = await build('one');
    assert.deepEqual(manifest.classes, ['a', 'b']);
    assert.deepEqual(manifest.counts, { train: 12, test: 10 });
    const overlaps = (p: { x: number; y: number }, q: { x: number; y: number }) =>
      Math.abs(p.x - q.x) < CROP_SIZE && Math.abs(p.y - q.y) < CROP_SIZE;
    for (const name of ['a', 'b'])
      for (const p of manifest.crops[`train/${name}`]!)
        for (const q of manifest.crops[`test/${name}`]!) assert.ok(!overlaps(p, q), `${name}`);
    await build('two');
    for (const split of ['train', 'test'] as const) {
      const names = await readdir(join(dir, 'one', split, 'b'));
      assert.equal(names.length, split === 'train' ? 6 : 5);
      for (const name of names) {
        const bytes = await readFile(join(dir, 'one', split, 'b', name));
        assert.deepEqual(bytes, await readFile(join(dir, 'two', split, 'b', name)));
        assert.equal((await sharp(bytes).metadata()).width, CROP_SIZE);
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
