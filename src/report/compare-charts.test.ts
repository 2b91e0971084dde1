import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accuracyVsSizeSpec, accuracyVsSpeedSpec, spansDecade } from './compare-charts.js';
import { renderSvg } from './render.js';

type Row = Record<string, unknown>;
interface Spec {
  data: { values: Row[] };
  encoding: { x: { scale: { type?: string }; title: string } };
}

const points = [
  { name: 'teacher', accuracy: 0.91, diskBytes: 14_000_000, imagesPerSecond: 40 },
  { name: 'student <small>', accuracy: 0.88, diskBytes: 2_500_000, imagesPerSecond: 310 },
  { name: 'student-uint8', accuracy: 0.875, diskBytes: 700_000, imagesPerSecond: 305 },
];

test('log x only when the values span more than a decade', () => {
  assert.equal(spansDecade([1, 5, 10]), false);
  assert.equal(spansDecade([1, 5, 10.5]), true);
  assert.equal(spansDecade([3]), false);
  const size = accuracyVsSizeSpec(points) as unknown as Spec;
  assert.equal(size.encoding.x.scale.type, 'log', '14 MB vs 0.7 MB: 20x');
  assert.match(size.encoding.x.title, /MB\) \(log scale\)/);
  const speed = accuracyVsSpeedSpec(points) as unknown as Spec;
  assert.equal(speed.encoding.x.scale.type, undefined, '40 to 310 img/s: under 10x');
  const close = accuracyVsSizeSpec(points.slice(1)) as unknown as Spec;
  assert.equal(close.encoding.x.scale.type, undefined);
});

test('one point per bundle, sizes in MB, nothing drawn without data', () => {
  const size = accuracyVsSizeSpec(points) as unknown as Spec;
  assert.deepEqual(
    size.data.values.map((r) => [r.name, r.x]),
    [
      ['teacher', 14],
      ['student <small>', 2.5],
      ['student-uint8', 0.7],
    ],
  );
  assert.equal(accuracyVsSizeSpec([]), null);
  assert.equal(accuracyVsSpeedSpec([{ ...points[0], imagesPerSecond: Number.NaN }]), null);
});

test('both charts render offline with their aria labels and point labels', async () => {
  const size = await renderSvg(accuracyVsSizeSpec(points)!);
  assert.match(
    size,
    /aria-label="Accuracy against size on disk: one labelled point per bundle, 3 bundles"/,
  );
  assert.match(size, /student &lt;small&gt;/);
  const speed = await renderSvg(accuracyVsSpeedSpec(points)!);
  assert.match(speed, /aria-label="Accuracy against throughput: one labelled point per bundle/);
  assert.match(speed, /student-uint8/);
});
