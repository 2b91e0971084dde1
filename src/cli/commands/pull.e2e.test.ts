// Weights by name through the CLI, against a mirror served on 127.0.0.1 from fixture files with
// the Keras layout: `train --backbone mobilenet_v2.imagenet` downloads, verifies, caches and
// trains; the second run works with --offline; a file that fails its digest is refused (exit 2,
// naming it); `pull` fetches ahead and reports the pinned SHA-256.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { writeColorFolder } from '../../data/test-fixtures.js';
import { kerasFixtures } from '../../zoo/test-fixtures.js';
import { type ServedFolder, serveFolder } from '../../zoo/test-mirror.js';
import { runCli } from '../run-cli.js';

const { skip, mirror, fixtures } = kerasFixtures();
let served: ServedFolder;
let requests: string[];
let dir: string;
let env: Record<string, string>;

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-pull-'));
  served = await serveFolder(mirror);
  requests = served.requests;
  env = { VISIONTUNE_MIRROR: served.base, VISIONTUNE_CACHE: path.join(dir, 'cache') };
});
after(async () => {
  await served.close();
  await fs.rm(dir, { recursive: true, force: true });
});

const cli = (args: string[], extra: Record<string, string | undefined> = {}) =>
  runCli(args, undefined, { ...env, VISIONTUNE_OFFLINE: undefined, ...extra });

test('train --backbone mobilenet_v2.imagenet downloads once, then runs offline', {
  skip,
}, async () => {
  const data = path.join(dir, 'colors');
  await writeColorFolder(data, { train: 6, test: 3 });
  const train = (out: string, ...more: string[]) =>
    cli([
      'train',
      '--data',
      data,
      '--backbone',
      'mobilenet_v2.imagenet',
      '--image-size',
      '32',
      '--out',
      path.join(dir, out),
      '--json',
      ...more,
    ]);
  const first = await train('first');
  assert.equal(first.code, 0, first.stderr);
  assert.equal(requests.filter((r) => r.endsWith('1.0_224_no_top.h5')).length, 1);
  assert.ok(JSON.parse(first.stdout).metrics.accuracy >= 0);

  const count = requests.length;
  const second = await train('second', '--offline');
  assert.equal(second.code, 0, second.stderr);
  assert.equal(requests.length, count, 'the offline run made no request');

  const pulled = await cli(['pull', 'mobilenet_v2.imagenet', 'mobilenet_v2', '--json']);
  assert.equal(pulled.code, 0, pulled.stderr);
  const [row, installed] = JSON.parse(pulled.stdout);
  assert.equal(row.sha256, fixtures.find((f) => f.name === 'mobilenet_v2.imagenet')!.sha256);
  assert.equal(installed.path, null);
});

test('a file that fails the published digest is refused with exit 2 naming it', {
  skip,
}, async () => {
  const run = await cli(['pull', 'resnet50.imagenet']);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /resnet50_weights_tf_dim_ordering_tf_kernels_notop\.h5/);
  assert.match(run.stderr, /expected md5 4d473c1dd8becc155b73f8504c6f6626/);
});

test('--offline with an empty cache names the missing file and how to get it', async () => {
  const run = await cli(['pull', 'inception_v3.imagenet', '--offline'], {
    VISIONTUNE_CACHE: path.join(dir, 'empty'),
  });
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /offline/);
  assert.match(run.stderr, /inception_v3_weights_tf_dim_ordering_tf_kernels_notop\.h5/);
  assert.match(run.stderr, /visiontune pull inception_v3\.imagenet/);
});
