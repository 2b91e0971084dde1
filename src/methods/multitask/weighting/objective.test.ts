// A two-head model trained through the real loop (`fit`) with each weighting, with and without
// PCGrad; uncertainty's log-variances and DWA's state through a checkpoint and `--resume`.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { initEngine } from '../../../engine/index.js';
import type { Callback } from '../../../train/callbacks.js';
import { loadLatestCheckpoint } from '../../../train/checkpoint.js';
import { fit } from '../../../train/loop.js';
import { MetricsLog } from '../../../train/metrics-log.js';
import { orderedWeights } from '../../../train/weight-order.js';
import { dwaWeights, LOG_VARIANCE_LAYER, WEIGHTING_KINDS } from './index.js';
import {
  lossesOf,
  multiTaskRun,
  type Run,
  type RunOptions,
  TASKS,
  valuesOf,
  weightsOf,
} from './objective-test-setup.js';

await initEngine({ backend: 'wasm' });

for (const kind of WEIGHTING_KINDS) {
  for (const pcgrad of [false, true]) {
    test(`${kind}${pcgrad ? ' + PCGrad' : ''}: a two-head model trains through fit, task losses and weights in every record`, async () => {
      const { config } = multiTaskRun(kind, pcgrad);
      const { history } = await fit(config);
      assert.equal(history.length, 4);
      const total = history.map((r) => r.loss as number);
      assert.ok(total.every(Number.isFinite), `losses ${total}`);
      assert.ok(total[3]! < total[0]!, `loss ${total[0]} -> ${total[3]}`);
      for (const r of history) {
        assert.ok(
          lossesOf(r).every((v) => Number.isFinite(v) && v > 0),
          JSON.stringify(r),
        );
        assert.equal(r.val_metric, 1); // the run's own validation metrics are kept
      }
      // Each task learns.
      for (const [k, task] of TASKS.entries()) {
        assert.ok(
          lossesOf(history[3]!)[k]! < lossesOf(history[0]!)[k]!,
          `${task}: ${lossesOf(history[0]!)[k]} -> ${lossesOf(history[3]!)[k]}`,
        );
      }
      const weights = history.map(weightsOf);
      if (kind === 'equal')
        assert.deepEqual(
          weights,
          history.map(() => [1, 1]),
        );
      if (kind === 'dwa') {
        // Epochs 1-2 at 1; epoch t at DWA of epochs t−2 and t−1's recorded mean losses.
        assert.deepEqual(weights.slice(0, 2), [
          [1, 1],
          [1, 1],
        ]);
        for (const t of [2, 3]) {
          const expected = dwaWeights(lossesOf(history[t - 2]!), lossesOf(history[t - 1]!));
          assert.deepEqual(weights[t], expected, `epoch ${t + 1}`);
        }
        assert.notDeepEqual(weights[3], [1, 1]);
      }
      if (kind === 'uncertainty') {
        // exp(−s_k) has moved from 1, toward 1/L_k: the task with the smaller loss weighs more.
        const last = weights[3]!;
        assert.ok(
          last.every((w) => w > 0 && Math.abs(w - 1) > 0.01),
          `weights ${last}`,
        );
        const [colourLoss, levelLoss] = lossesOf(history[3]!);
        assert.ok(levelLoss! < colourLoss! && last[1]! > last[0]!, `weights ${last}`);
      }
    });
  }
}

test('PCGrad changes the run where the task gradients conflict, and only then', async () => {
  const runs = await Promise.all(
    [false, true].map(async (pcgrad) => (await fit(multiTaskRun('equal', pcgrad).config)).history),
  );
  assert.notDeepEqual(runs[0]!.map(lossesOf), runs[1]!.map(lossesOf));
  // One task only: nothing to conflict with, so the PCGrad run is the plain one to the bit.
  const single = await Promise.all(
    [false, true].map(async (pcgrad) => {
      const run = multiTaskRun('equal', pcgrad, { tasks: ['colour'], epochs: 2 });
      return { history: (await fit(run.config)).history, weights: valuesOf(run.trained) };
    }),
  );
  assert.deepEqual(single[1], single[0]);
});

/** Fits `make()` into `outDir` for 4 epochs uninterrupted, then again crashing after epoch 2 and
 * resuming with a fresh network (another init); returns both for comparison. */
async function crashAndResume(make: (o: RunOptions) => Run, atCrash: (run: Run) => void) {
  const whole = make({ outDir: await tempDir() });
  const a = await fit(whole.config);

  const outDir = await tempDir();
  const crashing: Run = make({ outDir });
  const crash: Callback = {
    onEpochEnd: (r) => {
      if (r.epoch === 2) {
        atCrash(crashing);
        throw new Error('simulated crash after epoch 2');
      }
    },
  };
  crashing.config.callbacks!.push(crash);
  await assert.rejects(fit(crashing.config), /simulated crash/);
  const resumed = make({ outDir, resume: true, initSeed: 99 });
  const b = await fit(resumed.config);
  assert.equal(b.resumedFromEpoch, 2);
  assert.deepEqual(await MetricsLog.read(path.join(outDir, 'metrics.jsonl')), b.history);
  return { a, b, whole, resumed, outDir };
}

const tempDir = () => fs.mkdtemp(path.join(os.tmpdir(), 'vt-mtw-'));

function assertSameValues(a: number[][], b: number[][], what: string, tol = 1e-5) {
  assert.equal(a.length, b.length, what);
  a.forEach((w, i) => {
    assert.ok(
      w.every((v, k) => Math.abs(v - b[i]![k]!) <= tol),
      `${what} ${i}: [${w}] vs [${b[i]}]`,
    );
  });
}

test('uncertainty: the log-variances are in the checkpoint and come back on resume', async () => {
  let atEpoch2: number[] = [];
  const { a, b, whole, resumed, outDir } = await crashAndResume(
    (o) => multiTaskRun('uncertainty', false, o),
    (run) => {
      atEpoch2 = Array.from(run.weighting.variables()[0]!.dataSync());
    },
  );
  assert.ok(
    atEpoch2.every((s) => s !== 0),
    `s after 2 epochs: ${atEpoch2}`,
  );
  // The epoch-2 checkpoint holds s under the layer's weight name.
  const latest = await loadLatestCheckpoint(path.join(outDir, 'checkpoints'));
  const names = orderedWeights(resumed.trained).map((w) => w.originalName);
  const at = names.indexOf(`${LOG_VARIANCE_LAYER}/log_variance`);
  assert.ok(at >= 0, `weights: ${names}`);
  // (latest is the resumed run's epoch 4 by now; its s is the trained one.)
  assert.deepEqual(
    Array.from(latest!.weights[at]!.values),
    Array.from(resumed.weighting.variables()[0]!.dataSync()),
  );
  // The resumed run ends exactly as the uninterrupted one: network, s and recorded weights.
  assertSameValues(valuesOf(resumed.trained), valuesOf(whole.trained), 'weight');
  assertSameValues(a.history.map(weightsOf), b.history.map(weightsOf), 'task weights');
  assertSameValues(a.history.map(lossesOf), b.history.map(lossesOf), 'task losses');
});

test('uncertainty: the epoch-2 checkpoint carries the s it had then', async () => {
  const outDir = await tempDir();
  const run = multiTaskRun('uncertainty', false, { outDir, epochs: 2 });
  await fit(run.config);
  const s = Array.from(run.weighting.variables()[0]!.dataSync());
  const latest = await loadLatestCheckpoint(path.join(outDir, 'checkpoints'));
  const at = orderedWeights(run.trained).findIndex(
    (w) => w.originalName === `${LOG_VARIANCE_LAYER}/log_variance`,
  );
  assert.equal(latest?.state.epoch, 2);
  assert.deepEqual(Array.from(latest!.weights[at]!.values), s);
  assert.ok(s.some((v) => v !== 0));
});

test('dwa + PCGrad: resumed after a crash, the weights and the network end as uninterrupted', async () => {
  const { a, b, whole, resumed } = await crashAndResume(
    (o) => multiTaskRun('dwa', true, o),
    () => {},
  );
  // Epoch 3's weights are DWA of epochs 1-2, which the resumed run only knows from its history.
  assert.notDeepEqual(weightsOf(b.history[2]!), [1, 1]);
  assertSameValues(a.history.map(weightsOf), b.history.map(weightsOf), 'task weights', 1e-6);
  assertSameValues(a.history.map(lossesOf), b.history.map(lossesOf), 'task losses');
  assertSameValues(valuesOf(resumed.trained), valuesOf(whole.trained), 'weight');
});

test('a run whose validate is not passed through the objective is stopped, naming the fix', async () => {
  const { config } = multiTaskRun('dwa', false, { epochs: 1 });
  config.validate = async () => ({});
  await assert.rejects(
    fit(config),
    /has no loss_colour: pass the run's validate through objective\.validate\(\)/,
  );
});
