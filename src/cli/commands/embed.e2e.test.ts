// `visiontune embed` with the default `--layer auto`: the layer is chosen on the labelled
// training images (never the test split) and recorded in the file's header and the result; an
// unlabelled input falls back to the backbone's embedding layer and says so.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { tempDir, writeColorFolder } from '../../data/test-fixtures.js';
import { runCli } from '../run-cli.js';

/** `visiontune embed` with resnet_tiny at 32 px (and any further flags), run to success. */
async function embed(data: string, out: string, ...flags: string[]) {
  const run = await runCli([
    'embed',
    '--backbone',
    'resnet_tiny',
    '--input-size',
    '32',
    '--data',
    data,
    '--out',
    out,
    ...flags,
  ]);
  assert.equal(run.code, 0, run.stderr);
  return run;
}

async function header(file: string) {
  const text = await fs.readFile(file, 'utf8');
  return { header: JSON.parse(text.split('\n')[0]!), rows: text.trim().split('\n').length - 1 };
}

test('embed --layer auto chooses on the train split only and records the choice', async (t) => {
  const dir = await tempDir(t);
  const root = path.join(dir, 'colors');
  await writeColorFolder(root, { train: 4, test: 3 });
  const out = path.join(dir, 'auto.jsonl');
  const run = await embed(root, out, '--json');
  const result = JSON.parse(run.stdout);
  const file = await header(out);
  assert.equal(file.rows, 21, 'every image is embedded (--split all)');
  // 3 classes × 4 training images: the 9 test images are not scored.
  assert.match(
    file.header.layerChoice,
    /^layer \S+ chosen by LogME over \d+ candidates on 12 training images/,
  );
  const chosen = /^layer (\S+) /.exec(file.header.layerChoice)![1];
  assert.equal(file.header.layer, chosen);
  assert.equal(result.layer, chosen);
  assert.equal(result.layerChoice, file.header.layerChoice);
});

test('embed --layer auto on unlabelled images falls back to the embedding layer and says so', async (t) => {
  const dir = await tempDir(t);
  const root = path.join(dir, 'unlabelled');
  await writeColorFolder(root, 2);
  const images = (await fs.readdir(root, { recursive: true })).filter((f) => f.endsWith('.png'));
  await fs.writeFile(path.join(root, 'list.csv'), `path\n${images.join('\n')}\n`);
  const out = path.join(dir, 'unlabelled.jsonl');
  const run = await embed(path.join(root, 'list.csv'), out);
  const file = await header(out);
  assert.equal(file.rows, 6);
  assert.equal(file.header.layer, 'stage4_out', "resnet_tiny's embedding layer");
  assert.match(
    file.header.layerChoice,
    /fell back to the backbone's default layer stage4_out: .* have no labels/,
  );
  assert.match(run.stdout, /fell back .* no labels/, 'the log says so');
});
