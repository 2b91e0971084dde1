// The curve charts' arithmetic (studio-ui/src/lib/chart.ts, curves.ts): extents, round ticks,
// paths that break at gaps, loss vs score columns, progress.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extentOf, linePath, niceTicks, scale, tickLabel } from './chart.js';
import { curveKeys, epochPosition, lossSeries, progressFraction, scoreSeries } from './curves.js';

test('extents skip non-finite values and widen a single value', () => {
  assert.deepEqual(extentOf([3, Number.NaN, 1, 2]), { min: 1, max: 3 });
  assert.equal(extentOf([Number.NaN]), undefined);
  assert.deepEqual(extentOf([0, 0]), { min: -1, max: 1 });
  const e = extentOf([5])!;
  assert.ok(e.min < 5 && e.max > 5);
});

test('ticks are round numbers inside the extent', () => {
  assert.deepEqual(niceTicks({ min: 0, max: 1 }, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks({ min: 0.13, max: 0.92 }, 4), [0.2, 0.4, 0.6, 0.8]);
  assert.deepEqual(niceTicks({ min: 1, max: 10 }, 5), [2, 4, 6, 8, 10]);
});

test('scale maps the extent ends onto the pixel range (y flipped)', () => {
  const sy = scale({ min: 0, max: 2 }, 100, 0);
  assert.equal(sy(0), 100);
  assert.equal(sy(2), 0);
  assert.equal(sy(1), 50);
});

test('paths break at missing points', () => {
  const id = (v: number) => v;
  assert.equal(
    linePath(
      [
        [0, 0],
        [1, 1],
        [2, Number.NaN],
        [3, 3],
      ],
      id,
      id,
    ),
    'M0.0,0.0L1.0,1.0M3.0,3.0',
  );
  assert.equal(tickLabel(0.30000000000000004), '0.3');
  assert.equal(tickLabel(0), '0');
});

test('epoch records split into loss and score curves', () => {
  const history = [
    { epoch: 1, loss: 1.2, val_loss: 1.4, val_accuracy: 0.5, lr: 0.01, time: 3 },
    { epoch: 2, loss: 0.8, val_loss: null, val_accuracy: 0.7, lr: 0.01, time: 3 },
  ];
  assert.deepEqual(curveKeys(history), ['loss', 'val_loss', 'val_accuracy']);
  const losses = lossSeries(history, [[0.5, 1.3]]);
  assert.deepEqual(
    losses.map((s) => s.name),
    ['loss', 'val_loss', 'batch loss'],
  );
  assert.ok(Number.isNaN(losses[1]!.points[1]![1]));
  assert.deepEqual(scoreSeries(history), [
    {
      name: 'val_accuracy',
      dashed: true,
      points: [
        [1, 0.5],
        [2, 0.7],
      ],
    },
  ]);
});

test('progress counts epochs from 1 and batches within one', () => {
  assert.equal(epochPosition(1, 5, 10), 0.5);
  assert.equal(epochPosition(3, 0, 10), 2);
  assert.equal(progressFraction(2, 4, 5, 10), 0.375);
  assert.equal(progressFraction(9, 4), 1);
  assert.equal(progressFraction(1, 0), 0);
});
