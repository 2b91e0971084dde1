// `--image-size auto` for the linear probe: the candidate sizes are scored with the layers on the
// training images, the best (size, layer) is built, and the choice is recorded in the bundle,
// its training config and the report; other strategies refuse it by name.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { readBundleMeta } from '../../bundle/bundle.js';
import { writeColorFolder } from '../../data/test-fixtures.js';
import { initEngine } from '../../engine/index.js';
import { VisiontuneError } from '../../errors.js';
import { resolveTrainConfig } from './config.js';
import { train } from './train.js';

let work: string;
let data: string;
before(async () => {
  await initEngine({});
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-size-auto-'));
  data = path.join(work, 'data');
  await writeColorFolder(data, { train: 6, test: 2 }, { size: 16 });
});
after(() => fs.rm(work, { recursive: true, force: true }));

test('auto is refused where it is not implemented, and a size list without auto', () => {
  const refuses = (input: Record<string, unknown>, field: RegExp) =>
    assert.throws(
      () => resolveTrainConfig({ data, ...input }),
      (e: unknown) => e instanceof VisiontuneError && e.exitCode === 2 && field.test(e.message),
    );
  refuses({ strategy: 'finetune', imageSize: 'auto' }, /imageSize.*not finetune/s);
  refuses({ imageSizes: [64, 96] }, /imageSizes.*only applies with imageSize auto/s);
  assert.equal(resolveTrainConfig({ data, imageSize: 'auto' }).imageSize, 'auto');
});

test('16-px images on mobilenet_v2_035: 64 and 96 px are scored, the best size is built and recorded', async () => {
  const out = path.join(work, 'run');
  const result = await train({
    data,
    backbone: 'mobilenet_v2_035',
    strategy: 'linear',
    imageSize: 'auto',
    epochs: 2,
    batch: 8,
    out,
    cacheDir: path.join(work, 'cache'),
  });
  const meta = await readBundleMeta(result.bundleDir);
  const choice = meta.backbone.layerChoice!;
  assert.deepEqual(choice.sizes, [64, 96]);
  const best = choice.scores[0]!;
  assert.equal(choice.imageSize, best.imageSize, 'the size of the best-scoring candidate');
  assert.equal(meta.backbone.layer, best.layer);
  assert.ok(
    choice.scores.every((s) => s.score <= best.score),
    'best first',
  );
  assert.deepEqual(new Set(choice.scores.map((s) => s.imageSize)), new Set([64, 96]));
  assert.equal(meta.preprocessing.inputSize, choice.imageSize);
  assert.equal(meta.training.imageSize, choice.imageSize);
  const html = await fs.readFile(path.join(out, 'report.html'), 'utf8');
  assert.match(
    html,
    new RegExp(
      `layer \\S+ at ${choice.imageSize} px chosen by LogME over \\d+ candidates \\(sizes 64, 96 px\\)`,
    ),
  );
});
