// Listing a project of a thousand images: sizes come from the image headers once, then from the
// cache while the files are unchanged. Times are printed (measured, not assumed).
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { shapeImage, startStudio, type TestStudio } from './test-support.js';

let s: TestStudio;
before(async () => {
  s = await startStudio();
});
after(() => s.close());

test('a thousand images list in one page; the second listing reads no headers', async () => {
  await s.call('POST', '/api/projects', { name: 'many', task: 'classification' });
  const first = await s.upload(
    '/api/projects/many/images',
    [{ name: 'seed.png', bytes: await shapeImage({ width: 48, height: 40 }) }],
    { label: 'a' },
  );
  assert.equal(first.status, 200);
  // The other 999 are copies written straight into the class folder, to keep the test fast.
  const folder = path.join(s.dir, 'many', 'data', 'train', 'a');
  const seed = await fs.readFile(path.join(folder, 'seed.png'));
  await Promise.all(
    Array.from({ length: 999 }, (_, i) =>
      fs.writeFile(path.join(folder, `img-${String(i).padStart(4, '0')}.png`), seed),
    ),
  );
  const times: number[] = [];
  for (let round = 0; round < 2; round++) {
    const start = performance.now();
    const r = await s.call('GET', '/api/projects/many/images?limit=1000');
    times.push(performance.now() - start);
    assert.equal(r.body.total, 1000);
    assert.equal(r.body.images.length, 1000);
    assert.ok(
      r.body.images.every(
        (e: { width: number; height: number }) => e.width === 48 && e.height === 40,
      ),
    );
  }
  console.log(
    `listing 1000 images: first ${times[0]!.toFixed(0)} ms, cached ${times[1]!.toFixed(0)} ms`,
  );
  assert.ok(times[1]! < times[0]!, 'the cached listing is faster');
});
