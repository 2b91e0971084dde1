import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  discriminatorSpec,
  domainAccuracySpec,
  domainScatterSpec,
  TARGET_SERIES,
  transferLossSpec,
} from './adapt-charts.js';
import { syntheticAdaptation } from './fixture.js';
import { renderSvg } from './render.js';

interface Layer {
  data?: { values: Record<string, unknown>[] };
  mark?: { type: string } | string;
  encoding?: Record<string, { scale?: { domain?: unknown[]; range?: unknown[] } }>;
  layer?: Layer[];
}
const layers = (spec: unknown) => (spec as { layer: Layer[] }).layer;
const values = (layer: Layer) => layer.data?.values ?? [];
const markType = (layer: Layer) => (typeof layer.mark === 'string' ? layer.mark : layer.mark?.type);

test('domain accuracy: source solid, target dashed and named as not used for selection', async () => {
  const a = syntheticAdaptation(true);
  const spec = domainAccuracySpec(a)!;
  const [lines, baseline] = layers(spec);
  const points = values(lines);
  assert.equal(points.length, 2 * a.epochs.length);
  assert.deepEqual(new Set(points.map((p) => p.series)), new Set(['source', TARGET_SERIES]));
  const target = points.filter((p) => p.series === TARGET_SERIES).map((p) => p.value);
  assert.deepEqual(
    target,
    a.epochs.map((e) => e.targetAccuracy),
  );
  // The dash scale maps the target series to a dashed pattern and the source to a solid one.
  const dash = lines.encoding!.strokeDash.scale!;
  assert.deepEqual(dash.domain, ['source', TARGET_SERIES]);
  assert.deepEqual(dash.range, [
    [1, 0],
    [6, 4],
  ]);
  // The source-only baseline is a horizontal rule at its value.
  assert.deepEqual(values(baseline)[0].value, a.sourceOnlyTargetAccuracy);
  assert.equal(markType(baseline.layer![0]), 'rule');
  const svg = await renderSvg(spec);
  assert.match(
    svg,
    /aria-label="Domain accuracy curves: source accuracy and target accuracy \(not used for selection\)/,
  );
  assert.ok(svg.includes(`>${TARGET_SERIES}</text>`), 'legend names the target series');
  assert.ok(svg.includes('stroke-dasharray="6,4"'), 'a dashed line is drawn');
});

test('domain accuracy without target labels: the source alone, no baseline', async () => {
  const a = syntheticAdaptation(false);
  const spec = domainAccuracySpec(a)!;
  assert.equal(layers(spec).length, 1);
  assert.deepEqual(new Set(values(layers(spec)[0]).map((p) => p.series)), new Set(['source']));
  // Even stray target values are not drawn when the summary says no labels were given.
  const stray = { ...a, epochs: a.epochs.map((e) => ({ ...e, targetAccuracy: 0.5 })) };
  assert.equal(values(layers(domainAccuracySpec(stray)!)[0]).length, a.epochs.length);
  const svg = await renderSvg(spec);
  assert.match(svg, /aria-label="Domain accuracy curves: source accuracy per epoch"/);
  assert.ok(!svg.includes(TARGET_SERIES));
  assert.equal(domainAccuracySpec({ ...a, epochs: [{ epoch: 1, transferLoss: 1 }] }), null);
});

test('discriminator accuracy against a 0.5 chance rule; transfer loss; null without values', async () => {
  const a = syntheticAdaptation();
  const spec = discriminatorSpec(a.epochs)!;
  const [chance, line] = layers(spec);
  assert.equal(values(chance)[0].value, 0.5);
  assert.equal(markType(chance.layer![0]), 'rule');
  assert.deepEqual(
    values(line).map((p) => p.value),
    a.epochs.map((e) => e.discriminatorAccuracy),
  );
  const svg = await renderSvg(spec);
  assert.match(svg, /aria-label="Discriminator accuracy curve/);
  assert.match(svg, />chance \(0\.5\)<\/text>/);
  const loss = transferLossSpec(a.epochs)!;
  assert.deepEqual(
    values(layers(loss)[0]).map((p) => p.value),
    a.epochs.map((e) => e.transferLoss),
  );
  assert.match(await renderSvg(loss), /aria-label="Transfer-loss curve/);
  const mmd = a.epochs.map(({ epoch, sourceAccuracy }) => ({ epoch, sourceAccuracy }));
  assert.equal(discriminatorSpec(mmd), null);
  assert.equal(transferLossSpec(mmd), null);
  assert.equal(discriminatorSpec([{ epoch: 1, discriminatorAccuracy: Number.NaN }]), null);
});

test('domain scatter: both domains on PC1/PC2, non-finite points dropped, no per-point aria', async () => {
  const points = [
    ...syntheticAdaptation().scatter!.before,
    { x: Number.NaN, y: 0, domain: 'source' as const },
  ];
  const spec = domainScatterSpec(points, 'before', 1.7342)!;
  const rows = (spec as unknown as { data: { values: { domain: string }[] } }).data.values;
  assert.equal(rows.length, points.length - 1);
  assert.equal(rows.filter((r) => r.domain === 'target').length, 150);
  const svg = await renderSvg(spec);
  assert.match(svg, /aria-label="Domain scatter before adaptation/);
  assert.match(svg, />proxy A-distance 1\.73|; proxy A-distance 1\.73</);
  for (const text of ['PC1', 'PC2', 'source', 'target'])
    assert.ok(svg.includes(`>${text}</text>`), text);
  assert.equal(svg.match(/aria-roledescription="point"/g), null);
  // Two colours, one per domain, on the points.
  const fills = new Set([...svg.matchAll(/<path[^>]*fill="(#1f77b4|#ff7f0e)"/g)].map((m) => m[1]));
  assert.deepEqual(fills, new Set(['#1f77b4', '#ff7f0e']));
  assert.equal(domainScatterSpec([], 'after'), null);
  assert.doesNotMatch(JSON.stringify(domainScatterSpec(points, 'after')), /proxy A-distance/);
});
