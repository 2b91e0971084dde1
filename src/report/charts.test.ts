import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  accuracyCurveSpec,
  confusionCellSize,
  confusionSpec,
  lossCurveSpec,
  lrCurveSpec,
  thinLrSteps,
} from './charts.js';
import { syntheticConfusion } from './fixture.js';
import { renderSvg, scopeSvgIds } from './render.js';

test('curve specs skip non-finite values and return null when there is nothing to draw', () => {
  assert.equal(accuracyCurveSpec([{ epoch: 1, trainLoss: 1 }]), null);
  assert.equal(lrCurveSpec([{ epoch: 1, trainLoss: 1 }]), null);
  assert.equal(lossCurveSpec([]), null);
  const spec = lossCurveSpec([
    { epoch: 1, trainLoss: 1, valLoss: Number.NaN },
    { epoch: 2, trainLoss: 0.5, valLoss: 0.7 },
  ]);
  const values = (spec as { data: { values: unknown[] } }).data.values;
  assert.equal(values.length, 3);
});

test('learning rate uses a log axis when it spans decades, linear otherwise', () => {
  const scale = (spec: unknown) =>
    (spec as { encoding: { y: { scale: { type?: string } } } }).encoding.y.scale.type;
  const decades = Array.from({ length: 5 }, (_, i) => ({ epoch: i, trainLoss: 1, lr: 10 ** -i }));
  assert.equal(scale(lrCurveSpec(decades)), 'log');
  const flat = decades.map((r) => ({ ...r, lr: 1e-3 }));
  assert.equal(scale(lrCurveSpec(flat)), undefined);
});

test('thinning a long step log keeps the ends and the drops of a step schedule', () => {
  const steps = Array.from({ length: 100_000 }, (_, step) => ({
    step,
    lr: step < 33_333 ? 0.1 : step < 66_667 ? 0.01 : 0.001,
  }));
  const thin = thinLrSteps(steps, 1000);
  assert.ok(thin.length <= 1010, `${thin.length} points`);
  assert.equal(thin[0].step, 0);
  assert.equal(thin.at(-1)!.step, 99_999);
  for (const edge of [33_332, 33_333, 66_666, 66_667]) {
    assert.ok(
      thin.some((s) => s.step === edge),
      `keeps step ${edge}`,
    );
  }
});

test('heatmap cells shrink with the class count but stay within bounds', () => {
  assert.equal(confusionCellSize(2), 44);
  assert.ok(confusionCellSize(20) >= 20);
  assert.equal(confusionCellSize(100), 5);
  assert.ok(confusionCellSize(100) * 100 <= 600);
});

test('a 2-class heatmap labels every cell, zeros included', async () => {
  const svg = await renderSvg(
    confusionSpec(
      [
        [9, 0],
        [3, 12],
      ],
      ['no', 'yes'],
    ),
  );
  for (const v of [9, 0, 3, 12]) assert.ok(svg.includes(`>${v}</text>`), String(v));
  assert.match(svg, /^<svg role="img" aria-label="Confusion matrix heatmap/);
});

test('30 classes: only non-zero cells get text', async () => {
  const m = syntheticConfusion(30);
  m[0][1] = 0;
  const spec = confusionSpec(
    m,
    Array.from({ length: 30 }, (_, i) => `c${i}`),
  );
  const svg = await renderSvg(spec);
  const cellTexts = svg.match(/role="graphics-symbol" aria-roledescription="text mark"/g);
  assert.equal(cellTexts, null, 'no per-cell aria labels past 15 classes');
  const nonzero = m.flat().filter((v) => v > 0).length;
  const texts = svg.match(/<text[^>]*font-size="\d+px" fill="(?:white|#333)"[^>]*>\d+<\/text>/g);
  assert.equal(texts?.length, nonzero);
});

test('scopeSvgIds prefixes ids and every reference to them', () => {
  const svg =
    '<svg><defs><linearGradient id="gradient_0"/></defs><rect fill="url(#gradient_0)"/><use href="#gradient_0"/></svg>';
  assert.equal(
    scopeSvgIds(svg, 'c-x'),
    '<svg><defs><linearGradient id="c-x-gradient_0"/></defs><rect fill="url(#c-x-gradient_0)"/><use href="#c-x-gradient_0"/></svg>',
  );
});

test('a spec that names a URL fails instead of fetching', async () => {
  await assert.rejects(
    renderSvg({
      data: { url: 'https://example.com/data.json' },
      mark: 'point',
      encoding: { x: { field: 'a', type: 'quantitative' } },
    }),
    /refused to load/,
  );
});
