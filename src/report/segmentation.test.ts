import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VisiontuneError } from '../errors.js';
import {
  SegmentationAccumulator,
  type SegmentationMetrics,
} from '../metrics/segmentation/confusion.js';
import type { EpochRecord } from '../train/metrics-log.js';
import { maskTriplet } from './mask-images.js';
import {
  formatPercent,
  renderSegmentationReport,
  SEGMENTATION_CHART_KEYS,
  type SegmentationReport,
  writeSegmentationReport,
} from './segmentation.js';
import {
  epochValuesSpec,
  iouPerClassSpec,
  pixelConfusionSpec,
  segmentationLossSpec,
} from './segmentation-charts.js';
import {
  assertBareTaskPage,
  assertSamplesEmbedded,
  assertSpecsCompile,
  assertTaskPage,
  assertTaskTextEscaped,
  assertWritesPage,
  chart,
  nastyTaskParts,
  specValues as values,
} from './testing.js';

/** Names chosen to break naive HTML and SVG: tags, ampersands, quotes. */
const CLASSES = ['background', 'dog & "co"', '<script>alert(1)</script>', "o'neil"];

/**
 * Real metrics from the accumulator: class 3 is in neither ground truth nor prediction, so its
 * IoU, accuracy and Dice are NaN.
 */
function metrics(): SegmentationMetrics {
  const acc = new SegmentationAccumulator(CLASSES.length);
  acc.add([0, 0, 0, 0, 1, 1, 1, 2, 2, 255], [0, 0, 0, 1, 1, 1, 0, 2, 1, 3]);
  return acc.metrics();
}

const history: EpochRecord[] = Array.from({ length: 5 }, (_, e) => ({
  epoch: e + 1,
  loss: 2 * Math.exp(-e / 3) + 0.3,
  loss_aux: 0.8 * Math.exp(-e / 3) + 0.1,
  val_miou: 0.1 * (e + 1),
  val_pixel_acc: 0.5 + 0.08 * e,
  phase: 'train',
}));

async function sample(name: string) {
  const w = 24;
  const h = 16;
  const image = { data: new Uint8Array(w * h * 3).fill(120), width: w, height: h };
  const truth = { data: new Uint8Array(w * h).fill(1), width: w, height: h };
  const pred = { data: new Uint8Array(w * h).fill(2), width: w, height: h };
  return { name, image: new Uint8Array(await maskTriplet(image, truth, pred)) };
}

const r: SegmentationReport = {
  ...(await nastyTaskParts('DeepLab <r18> & "voc"', 'deeplab', sample)),
  history,
  classes: CLASSES,
  metrics: metrics(),
};
const html = await renderSegmentationReport(r, { generator: 'visiontune test' });

test('formatPercent: percent with one decimal, n/a for NaN and missing', () => {
  assert.equal(formatPercent(0.4123), '41.2');
  assert.equal(formatPercent(0), '0.0');
  assert.equal(formatPercent(1), '100.0');
  assert.equal(formatPercent(Number.NaN), 'n/a');
  assert.equal(formatPercent(undefined), 'n/a');
});

test('page has every section, one well-formed inline SVG per chart', () => {
  const sections = ['metrics', 'training', 'per-class', 'confusion', 'samples', 'notes', 'config'];
  assertTaskPage(html, sections, SEGMENTATION_CHART_KEYS, {
    losses: /aria-label="Loss curves: loss, loss_aux per epoch"/,
    'epoch-values': /aria-label="Per-epoch curves: val_miou, val_pixel_acc"/,
    'iou-per-class': /aria-label="IoU per class bar chart, 3 classes"/,
    confusion:
      /aria-label="Confusion matrix heatmap on the val split: true class by predicted class, 4 classes"/,
  });
});

test('headline table: the five metrics as percentages', () => {
  const m = r.metrics;
  const table = chart(html, 'headline');
  const cell = (key: string) =>
    new RegExp(`data-metric="${key}"><th scope="row">[^<]+</th><td class="num">([^<]+)</td>`).exec(
      table,
    )?.[1];
  assert.equal(cell('meanIoU'), (m.meanIoU * 100).toFixed(1));
  assert.equal(cell('pixelAccuracy'), '66.7');
  assert.equal(cell('meanClassAccuracy'), (m.meanClassAccuracy * 100).toFixed(1));
  assert.equal(cell('meanDice'), (m.dice.mean * 100).toFixed(1));
  assert.equal(cell('frequencyWeightedIoU'), (m.frequencyWeightedIoU * 100).toFixed(1));
  for (const name of ['mIoU', 'pixel accuracy', 'mean class accuracy', 'mean Dice']) {
    assert.ok(table.includes(`<th scope="row">${name}</th>`), name);
  }
  assert.match(chart(html, 'headline'), /frequency-weighted IoU/);
});

test('per-class table: IoU, accuracy, Dice, ground-truth pixels; NaN reads n/a', () => {
  const table = chart(html, 'per-class');
  const row = (name: string) =>
    [
      ...(
        new RegExp(`<th scope="row">${name}</th>((?:<td[^>]*>[^<]*</td>)+)`).exec(table)?.[1] ?? ''
      ).matchAll(/<td[^>]*>([^<]*)<\/td>/g),
    ].map((x) => x[1]);
  // background: 3 of 4 right, 1 pixel of class 1 predicted as 0 → IoU 3/5, Dice 6/8.
  assert.deepEqual(row('background'), ['60.0', '75.0', '75.0', '4']);
  assert.deepEqual(row('o&#39;neil'), ['n/a', 'n/a', 'n/a', '0']);
  assert.ok(!table.includes('NaN'));
  assert.ok(!html.includes('NaN'));
});

test('class names, title, captions, notes and config are escaped', () => {
  assertTaskTextEscaped(html, 'DeepLab &lt;r18&gt; &amp; &quot;voc&quot;');
  assert.ok(chart(html, 'legend').includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  const bars = chart(html, 'iou-per-class');
  assert.ok(bars.includes('dog &amp; "co"') || bars.includes('dog &amp; &quot;co&quot;'));
});

test('samples: data: URLs with their bytes, the triplet caption, a colour legend', () => {
  const section = assertSamplesEmbedded(html, r.samples);
  assert.ok(section.includes('image | ground truth | prediction'));
  // VOC colours: class 1 is (128, 0, 0).
  assert.match(chart(html, 'legend'), /rgb\(128, 0, 0\)"><\/span>dog &amp;/);
});

test('confusion: the exact pixel counts in a table, rows = ground truth', () => {
  const table = chart(html, 'confusion-table');
  const firstRow = /<th scope="row">background<\/th>((?:<td[^>]*>[^<]*<\/td>)+)/.exec(table)![1];
  assert.deepEqual(
    [...firstRow.matchAll(/>(\d+)</g)].map((x) => Number(x[1])),
    r.metrics.confusion[0],
  );
});

test('chart specs are valid vega-lite with their data inline', () => {
  assertSpecsCompile([
    ['losses', segmentationLossSpec(history)],
    ['epoch values', epochValuesSpec(history)],
    ['iou per class', iouPerClassSpec(CLASSES, r.metrics.perClassIoU)],
    ['confusion', pixelConfusionSpec(r.metrics.confusion, CLASSES)],
  ]);
});

test('iouPerClassSpec: worst first, NaN classes omitted and counted, null when all NaN', () => {
  const spec = iouPerClassSpec(['a', 'b', 'c', 'a'], [0.9, Number.NaN, 0.2, 0.5]);
  assert.deepEqual(
    values(spec).map((v) => [v.name, v.iou]),
    [
      ['c', 0.2],
      ['a (#3)', 0.5],
      ['a (#0)', 0.9],
    ],
  );
  assert.match(JSON.stringify(spec), /1 class not in ground truth or prediction omitted/);
  assert.equal(iouPerClassSpec(['a'], [Number.NaN]), null);
});

test('pixelConfusionSpec: SI-prefixed counts, confusionSpec itself unchanged', () => {
  const spec = pixelConfusionSpec(
    [
      [2_500_000, 10],
      [0, 40_000],
    ],
    ['a', 'b'],
  ) as unknown as { layer: { encoding?: { text?: { format: string } } }[] };
  assert.equal(spec.layer[1].encoding?.text?.format, '.2~s');
  assert.match(JSON.stringify(spec), /pixels \(k = thousand, M = million\)/);
  // Past 40 classes there is no text layer to reformat.
  const many = Array.from({ length: 45 }, (_, i) => `c${i}`);
  const big = pixelConfusionSpec(
    many.map(() => many.map(() => 1)),
    many,
  ) as unknown as { layer: unknown[] };
  assert.equal(big.layer.length, 1);
});

test('missing charts say so; no history or samples still renders', async () => {
  const acc = new SegmentationAccumulator(2);
  acc.add([0, 0], [0, 0]);
  const page = await renderSegmentationReport({
    title: 't',
    history: [],
    classes: ['bg', 'fg'],
    metrics: acc.metrics(),
    samples: [],
  });
  assertBareTaskPage(page);
  assert.ok(!page.includes('<section id="notes"'));
});

test('bad metrics are a user error', async () => {
  const badInput = (e: unknown) => e instanceof VisiontuneError && e.code === 'BAD_INPUT';
  await assert.rejects(
    renderSegmentationReport({ ...r, metrics: { meanIoU: 0.1 } as unknown as SegmentationMetrics }),
    badInput,
  );
  await assert.rejects(renderSegmentationReport({ ...r, classes: ['a', 'b'] }), badInput);
});

test('writeSegmentationReport writes the page atomically to the given file', async () => {
  await assertWritesPage('segmentation.html', (file) => writeSegmentationReport(file, r));
});
