import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { VisiontuneError } from '../errors.js';
import {
  assignWeights,
  loadLatestCheckpoint,
  modelWeights,
  saveCheckpoint,
  type TrainingState,
} from './checkpoint.js';

await tf.setBackend('cpu');
tf.env().set('PROD', true);

function model(seed: number): tf.LayersModel {
  const input = tf.input({ shape: [6, 6, 2] });
  const conv = tf.layers
    .conv2d({
      filters: 3,
      kernelSize: 3,
      kernelInitializer: tf.initializers.glorotUniform({ seed }),
    })
    .apply(input);
  const bn = tf.layers
    .batchNormalization({ movingMeanInitializer: tf.initializers.randomNormal({ seed }) })
    .apply(conv);
  const pooled = tf.layers.flatten().apply(bn);
  const out = tf.layers
    .dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) })
    .apply(pooled) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

const tempDir = () => fs.mkdtemp(path.join(os.tmpdir(), 'vt-ckpt-'));

function state(epoch: number): TrainingState {
  return {
    epoch,
    step: epoch * 7,
    optimizer: {
      kind: 'adamw',
      step: epoch * 7,
      slots: {
        'dense/kernel.m': { shape: [2, 3], values: Float32Array.from([1, 2, 3, 4, 5, epoch]) },
      },
    },
    extra: { schedule: { kind: 'cosine' }, rng: [1, 2, 3, epoch], history: [{ epoch, loss: 0.5 }] },
  };
}

test('a checkpoint restores every weight (BatchNorm statistics included) and the training state', async () => {
  const dir = await tempDir();
  const a = model(1);
  await saveCheckpoint(dir, a, state(3));
  const b = model(99);
  assert.notDeepEqual(modelWeights(b), modelWeights(a));
  const ckpt = await loadLatestCheckpoint(dir);
  assert.ok(ckpt);
  assignWeights(b, ckpt.weights, ckpt.path);
  assert.deepEqual(modelWeights(b), modelWeights(a));
  assert.deepEqual(ckpt.state, state(3));
  const x = tf.randomNormal([2, 6, 6, 2], 0, 1, 'float32', 4);
  assert.deepEqual((b.predict(x) as tf.Tensor).dataSync(), (a.predict(x) as tf.Tensor).dataSync());
});

test('weights saved while some layers were frozen restore into the model after unfreezing', async () => {
  const dir = await tempDir();
  const a = model(1);
  for (const layer of a.layers.slice(1, 3)) layer.trainable = false; // conv + BatchNorm
  await saveCheckpoint(dir, a, state(1));
  const b = model(99);
  const ckpt = (await loadLatestCheckpoint(dir))!;
  assignWeights(b, ckpt.weights, ckpt.path);
  for (const layer of a.layers) layer.trainable = true;
  assert.deepEqual(modelWeights(b), modelWeights(a));
});

test('a checkpoint of another format version is an error naming it, not a silent fresh start', async () => {
  const dir = await tempDir();
  await saveCheckpoint(dir, model(1), state(1));
  const file = path.join(dir, 'epoch-0001', 'state.json');
  const saved = JSON.parse(await fs.readFile(file, 'utf8'));
  await fs.writeFile(file, JSON.stringify({ ...saved, format: 1 }));
  await assert.rejects(
    loadLatestCheckpoint(dir),
    (err: unknown) =>
      err instanceof VisiontuneError && /epoch-0001: checkpoint format 1/.test(err.message),
  );
});

test('the newest checkpoint wins; old ones are pruned; a damaged newest falls back to an older one', async () => {
  const dir = await tempDir();
  const m = model(1);
  for (const epoch of [1, 2, 3]) await saveCheckpoint(dir, m, state(epoch));
  assert.deepEqual((await fs.readdir(dir)).sort(), ['epoch-0002', 'epoch-0003', 'latest.json']);
  assert.equal((await loadLatestCheckpoint(dir))?.state.epoch, 3);

  await fs.truncate(path.join(dir, 'epoch-0003', 'weights.bin'), 10);
  assert.equal((await loadLatestCheckpoint(dir))?.state.epoch, 2);
  await fs.rm(path.join(dir, 'latest.json'));
  assert.equal((await loadLatestCheckpoint(dir))?.state.epoch, 2);
  assert.equal(await loadLatestCheckpoint(path.join(dir, 'nothing-here')), undefined);
});

test('a checkpoint from another architecture is refused with the weight that does not fit', async () => {
  const dir = await tempDir();
  await saveCheckpoint(dir, model(1), state(1));
  const input = tf.input({ shape: [4] });
  const other = tf.model({
    inputs: input,
    outputs: tf.layers.dense({ units: 2 }).apply(input) as tf.SymbolicTensor,
  });
  const ckpt = (await loadLatestCheckpoint(dir))!;
  assert.throws(
    () => assignWeights(other, ckpt.weights, ckpt.path),
    (err: unknown) => err instanceof VisiontuneError && /holds \d+ weights/.test(err.message),
  );
});

test('SIGKILL at any moment while checkpointing never leaves an unreadable or torn checkpoint', async () => {
  const fixture = fileURLToPath(new URL('./checkpoint-fixture.ts', import.meta.url));
  for (const delay of [700, 1100, 1500]) {
    const dir = await tempDir();
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let written = 0;
    child.stdout.on('data', (d: Buffer) => {
      written += d.toString().split('\n').filter(Boolean).length;
    });
    // Wait until it has written a few, then kill it mid-stream.
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (written >= 2) {
          clearInterval(poll);
          setTimeout(resolve, delay % 400);
        }
      }, 20);
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const ckpt = await loadLatestCheckpoint(dir);
    assert.ok(ckpt, `no readable checkpoint after kill (delay ${delay})`);
    const n = ckpt.state.epoch;
    assert.ok(n >= 2);
    for (const w of ckpt.weights)
      assert.ok(
        w.values.every((v) => v === n),
        `torn weights in epoch ${n}`,
      );
    assert.ok(ckpt.state.optimizer.slots.m.values.every((v) => v === n));
    // The next save clears what the killed writer left half-done.
    await saveCheckpoint(dir, model(1), state(n + 1));
    assert.ok((await fs.readdir(dir)).every((name) => !name.endsWith('.tmp')));
  }
});

test('redoing an epoch writes a new folder; the old one stays until latest.json names the new', async () => {
  const dir = await tempDir();
  const w = tf.variable(tf.zeros([2]), true, 'redo');
  const at = (epoch: number, value: number) => {
    w.assign(tf.fill([2], value));
    return saveCheckpoint(dir, [w], {
      epoch,
      step: epoch,
      optimizer: { kind: 'sgd', step: epoch, slots: {} },
      extra: {},
    });
  };
  await at(1, 1);
  await at(2, 2);
  assert.equal(path.basename(await at(2, 3)), 'epoch-0002-1');
  assert.equal(path.basename(await at(2, 4)), 'epoch-0002-2');
  const names = (await fs.readdir(dir)).sort();
  assert.deepEqual(names, ['epoch-0002-1', 'epoch-0002-2', 'latest.json']);
  const latest = await loadLatestCheckpoint(dir);
  assert.deepEqual([latest?.state.epoch, latest?.weights[0]?.values[0]], [2, 4]);
  w.dispose();
  await fs.rm(dir, { recursive: true, force: true });
});
