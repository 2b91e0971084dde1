// --engine for frozen forward passes, end to end through real CLI processes: `embed` writes the
// same embeddings (within 1e-4) on ONNX Runtime and on TF.js, and `train --strategy finetune
// --unfreeze 1` runs its frozen prefix in ONNX Runtime (said in the log) with the same losses as
// the whole network in TF.js.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { tempDir, writeColorFolder } from '../../data/test-fixtures.js';
import { runCli } from '../run-cli.js';

async function rowsOf(file: string): Promise<number[][]> {
  const lines = (await fs.readFile(file, 'utf8')).trim().split('\n').slice(1);
  return lines.map((l) => (JSON.parse(l) as { embedding: number[] }).embedding);
}

test('embed gives the same embeddings with --engine onnx and --engine tfjs', async (t) => {
  const dir = await tempDir(t);
  const data = path.join(dir, 'colors');
  await writeColorFolder(data, 3);
  const embed = async (engine: string) => {
    const out = path.join(dir, `${engine}.jsonl`);
    const r = await runCli([
      'embed',
      '--backbone',
      'resnet_tiny',
      '--input-size',
      '32',
      '--layer',
      'stage4_out',
      '--data',
      data,
      '--out',
      out,
      '--engine',
      engine,
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    return { result: JSON.parse(r.stdout), rows: await rowsOf(out) };
  };
  const onnx = await embed('onnx');
  const tfjs = await embed('tfjs');
  assert.equal(onnx.result.engine, 'onnx');
  assert.equal(tfjs.result.engine, 'tfjs');
  assert.equal(onnx.rows.length, 9);
  let worst = 0;
  onnx.rows.forEach((row, i) => {
    assert.equal(row.length, tfjs.rows[i]!.length);
    row.forEach((v, j) => {
      worst = Math.max(worst, Math.abs(v - tfjs.rows[i]![j]!));
    });
  });
  assert.ok(worst < 1e-4, `max |onnx - tfjs| = ${worst}`);
  assert.ok(
    onnx.rows.flat().some((v) => v !== 0),
    'real embeddings, not zeros',
  );
});

test('finetune --unfreeze 1 trains on an ONNX frozen prefix as on the whole network', async (t) => {
  const dir = await tempDir(t);
  const data = path.join(dir, 'colors');
  await writeColorFolder(data, { train: 6, test: 2 }, { size: 20 });
  const train = async (engine: string) => {
    const out = path.join(dir, engine);
    const r = await runCli([
      'train',
      '--data',
      data,
      '--strategy',
      'finetune',
      '--unfreeze',
      '1',
      '--epochs',
      '2',
      '--batch',
      '6',
      '--image-size',
      '32',
      '--augment',
      'none',
      '--out',
      out,
      '--engine',
      engine,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const log = (await fs.readFile(path.join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n');
    return { log: r.stdout + r.stderr, losses: log.map((l) => JSON.parse(l).loss as number) };
  };
  const onnx = await train('onnx');
  const tfjs = await train('tfjs');
  assert.match(onnx.log, /frozen layers up to \S+ \(\d+\) run in ONNX Runtime/);
  assert.doesNotMatch(tfjs.log, /ONNX Runtime/);
  assert.equal(onnx.losses.length, 2);
  for (const [i, loss] of onnx.losses.entries())
    assert.ok(
      Math.abs(loss - tfjs.losses[i]!) < 1e-4,
      `epoch ${i + 1}: ${loss} vs ${tfjs.losses[i]}`,
    );
});
