// `visiontune track` end to end: real processes on MOTChallenge files of two objects moving in
// straight lines; tracks written and scored perfectly by both trackers; bad files exit 2 naming them.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { parseMotTracks } from '../../track/mot-format.js';
import { runCli } from '../run-cli.js';

let work: string;
before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-cli-track-'));
  const gt: string[] = [];
  const det: string[] = [];
  for (let frame = 1; frame <= 20; frame++) {
    for (const [id, x0, y0, vx, vy] of [
      [1, 10, 10, 4, 1],
      [2, 300, 200, -3, 2],
    ]) {
      const [x, y] = [x0 + vx * frame, y0 + vy * frame];
      gt.push(`${frame},${id},${x},${y},40,80,1,-1,-1,-1`);
      det.push(`${frame},-1,${x},${y},40,80,0.9,-1,-1,-1`);
    }
  }
  await fs.writeFile(path.join(work, 'gt.txt'), `${gt.join('\n')}\n`);
  await fs.writeFile(path.join(work, 'det.txt'), `${det.join('\n')}\n`);
});
after(() => fs.rm(work, { recursive: true, force: true }));

for (const tracker of ['sort', 'bytetrack']) {
  test(`track --tracker ${tracker}: two straight movers, two tracks, perfect scores`, async () => {
    const out = path.join(work, `${tracker}.txt`);
    const r = await runCli([
      'track',
      '--detections',
      path.join(work, 'det.txt'),
      '--tracker',
      tracker,
      '--gt',
      path.join(work, 'gt.txt'),
      '--out',
      out,
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout);
    assert.equal(result.tracks, 2);
    assert.equal(result.metrics.idsw, 0);
    assert.equal(result.metrics.mota, 1);
    assert.equal(result.metrics.idf1, 1);
    const written = parseMotTracks(await fs.readFile(out, 'utf8'), out);
    assert.equal(written.length, result.boxes);
  });
}

test('track: a missing or malformed detections file exits 2 naming it', async () => {
  const missing = path.join(work, 'nope.txt');
  let r = await runCli(['track', '--detections', missing]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /nope\.txt/);
  const bad = path.join(work, 'bad.txt');
  await fs.writeFile(bad, '1,-1,10,10,40,80,0.9\n2,-1,ten,10,40,80,0.9\n');
  r = await runCli(['track', '--detections', bad]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad\.txt:2/);
});

test('track: options that cannot work together exit 2 naming their flags', async () => {
  const det = path.join(work, 'det.txt');
  let r = await runCli(['track', '--detections', det, '--min-score', '0.3']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--min-score.*only for --tracker sort/);
  r = await runCli(['track', '--detections', det, '--frames', work]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--frames.*need --model/);
  r = await runCli(['track']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--detections.*--model/);
});
