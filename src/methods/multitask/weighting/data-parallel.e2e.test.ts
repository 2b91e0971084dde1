// The FitConfig.gradients hook in a data-parallel run: its gradients go through the loop's
// all-reduce like tf.variableGrads's (2 ranks × batch 4 train as 1 process × batch 8, with
// synchronized BatchNorm), and PCGrad's K backward passes per step keep 2 ranks in lockstep.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../../distributed/options.js';
import { loadTorchAddon } from '../../../engine/torch/addon.js';
import type { EpochRecord } from '../../../train/metrics-log.js';

const addon = loadTorchAddon();
const collectives = addon.ok && (addon.addon as { distributed?: boolean }).distributed === true;
if (!collectives && process.env.VISIONTUNE_REQUIRE_TORCH)
  throw new Error('VISIONTUNE_REQUIRE_TORCH is set but the native engine has no collectives');
const skip = collectives ? false : 'the native engine has no c10d collectives';
const FIXTURE = fileURLToPath(new URL('./data-parallel-fixture.ts', import.meta.url));

interface Seen {
  initial: number[][];
  weights: number[][];
  history: EpochRecord[];
}

function process_(mode: string, rank: number, world: number, port: number): Promise<Seen> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', FIXTURE, mode, String(rank), String(world), String(port)],
      { env: { ...process.env, GLOG_minloglevel: '2' }, timeout: 90_000 },
      (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout)),
    );
  });
}

const ranks = async (mode: string) => {
  const port = await freePort();
  return Promise.all([process_(mode, 0, 2, port), process_(mode, 1, 2, port)]);
};

function worstDifference(a: number[][], b: number[][]): number {
  return Math.max(...a.flatMap((w, i) => w.map((v, k) => Math.abs(v - b[i]![k]!))));
}

test('a gradients hook in a 2-process run: reduced as the default, 2 × batch 4 = 1 × batch 8', {
  skip,
}, async () => {
  const [alone, [r0, r1]] = await Promise.all([process_('hook', 0, 1, 0), ranks('hook')]);
  assert.deepEqual(r0!.weights, r1!.weights);
  assert.ok(worstDifference(r0!.weights, r0!.initial) > 1e-3, 'the weights moved');
  const off = worstDifference(r0!.weights, alone.weights);
  assert.ok(off <= 1e-5, `2 ranks vs 1 process: weights off by ${off}`);
  alone.history.forEach((rec, i) => {
    const loss = r0!.history[i]!.loss as number;
    assert.ok(
      Math.abs(loss - (rec.loss as number)) <= 1e-5,
      `epoch ${i + 1}: ${loss} vs ${rec.loss}`,
    );
  });
});

test('PCGrad in a 2-process run: the ranks apply the same reduced update, step after step', {
  skip,
}, async () => {
  const [r0, r1] = await ranks('pcgrad');
  assert.deepEqual(r0!.weights, r1!.weights);
  assert.deepEqual(r0!.history, r1!.history);
  assert.ok(worstDifference(r0!.weights, r0!.initial) > 1e-3, 'the weights moved');
  assert.ok(r0!.history.every((r) => Number.isFinite(r.loss as number)));
});
