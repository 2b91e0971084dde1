// `visiontune rank` end to end: real processes on a small image folder with two tiny backbones
// at two sizes — the table with the recommendation, the same rows as --json, report.html with
// the per-layer charts and rank.json.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { writeColorFolder } from '../../data/test-fixtures.js';
import { runCli } from '../run-cli.js';

let work: string;
let data: string;
before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-cli-rank-'));
  data = path.join(work, 'images');
  await writeColorFolder(data, 6, { size: 16 });
});
after(() => fs.rm(work, { recursive: true, force: true }));

const rank = (...extra: string[]) =>
  runCli([
    'rank',
    '--data',
    data,
    '--backbones',
    'resnet_tiny,mobilenet_v2_035',
    '--image-sizes',
    '32,48',
    '--cache-dir',
    path.join(work, 'cache'),
    ...extra,
  ]);

interface Row {
  backbone: string;
  imageSize: number;
  layer: string;
  dim: number;
  logme: number;
  hscore: number;
  leep: null;
  embedSeconds: number;
}

test('rank prints a sorted table and the recommendation, and writes report.html and rank.json', async () => {
  const out = path.join(work, 'out');
  const r = await rank('--out', out);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  const header = lines.findIndex((l) => /^\s*#\s+logme\s+hscore\s+leep\s+nce\s+dim/.test(l));
  assert.ok(header >= 0, r.stdout);
  // Data rows run until the first blank line; their LogME column is sorted best first.
  const end = lines.indexOf('', header);
  const logme = lines.slice(header + 1, end).map((l) => Number(l.trim().split(/\s+/)[1]));
  assert.ok(logme.length > 4 && logme.every(Number.isFinite), r.stdout);
  assert.deepEqual(
    logme,
    [...logme].sort((a, b) => b - a),
  );
  assert.match(r.stdout, /chosen by LogME over \d+ candidates \(sizes 32, 48 px\) on 18 training/);
  assert.match(r.stdout, /LEEP and NCE: n\/a/);
  const html = await fs.readFile(path.join(out, 'report.html'), 'utf8');
  for (const key of ['logme-0', 'logme-1', 'hscore-0', 'hscore-1'])
    assert.match(html, new RegExp(`data-chart="${key}"><svg`), key);
  assert.match(html, /aria-label="LogME per layer of resnet_tiny: \d+ points, 2 input sizes"/);
  const saved = JSON.parse(await fs.readFile(path.join(out, 'rank.json'), 'utf8'));
  assert.equal(saved.rows.length, logme.length);
});

test('--json prints the same rows: every candidate of both backbones at both sizes, best first', async () => {
  const r = await rank('--json', '--no-pairs');
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout) as { rows: Row[]; best: Row; images: number };
  assert.equal(result.images, 18);
  const combos = new Set(result.rows.map((x) => `${x.backbone}@${x.imageSize}`));
  assert.deepEqual([...combos].sort(), [
    'mobilenet_v2_035@32',
    'mobilenet_v2_035@48',
    'resnet_tiny@32',
    'resnet_tiny@48',
  ]);
  assert.ok(
    result.rows.every((x) => !x.layer.includes('+')),
    '--no-pairs',
  );
  for (let i = 1; i < result.rows.length; i++)
    assert.ok(result.rows[i - 1]!.logme >= result.rows[i]!.logme);
  assert.deepEqual(result.best, result.rows[0]);
  for (const x of result.rows) {
    assert.ok(Number.isFinite(x.hscore) && x.hscore > 0 && x.hscore <= 2 + 1e-9, `H ≤ K − 1`);
    assert.equal(x.leep, null);
    assert.ok(x.dim > 0 && x.embedSeconds >= 0);
  }
});
