import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { VisiontuneError } from '../errors.js';
import type { DetectionMetrics } from '../metrics/detection/coco-eval.js';
import type { EpochRecord } from '../train/metrics-log.js';
import {
  DETECTION_CHART_KEYS,
  type DetectionReport,
  formatAp,
  renderDetectionReport,
  writeDetectionReport,
} from './detection.js';
import {
  apPerClassSpec,
  categoryNames,
  detectionLossSpec,
  epochKeys,
  epochMetricsSpec,
  prCurvesSpec,
} from './detection-charts.js';
import { categoryColor, drawBoxes } from './draw-boxes.js';
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
const CATEGORIES = ['cat', 'dog & "co"', '<script>alert(1)</script>', "o'neil"];

/** A falling PR curve that reaches recall `reach`, zero after it (as COCOeval leaves it). */
const pr = (top: number, reach: number) =>
  Array.from({ length: 101 }, (_, i) => (i / 100 <= reach ? top * (1 - 0.4 * (i / 100)) : 0));

function metrics(): DetectionMetrics {
  return {
    ap: 0.4123,
    ap50: 0.6512,
    ap75: 0.4401,
    apSmall: -1,
    apMedium: 0.3,
    apLarge: 0.52,
    ar1: 0.31,
    ar10: 0.48,
    ar100: 0.5,
    arSmall: -1,
    arMedium: 0.41,
    arLarge: 0.6,
    perCategory: [
      { categoryId: 0, ap: 0.5, ap50: 0.8, groundTruth: 12 },
      { categoryId: 1, ap: 0.32, ap50: 0.5, groundTruth: 7 },
      { categoryId: 2, ap: -1, ap50: -1, groundTruth: 0 },
      { categoryId: 3, ap: 0.41, ap50: 0.65, groundTruth: 3 },
    ],
    prCurves50: [
      { categoryId: 0, precision: pr(1, 0.9) },
      { categoryId: 1, precision: pr(0.8, 0.6) },
      { categoryId: 2, precision: Array(101).fill(-1) },
      { categoryId: 3, precision: pr(0.9, 0.7) },
    ],
  };
}

const history: EpochRecord[] = Array.from({ length: 6 }, (_, e) => ({
  epoch: e + 1,
  loss: 3 * Math.exp(-e / 3) + 0.5,
  loss_cls: 1.2 * Math.exp(-e / 3) + 0.2,
  loss_box: 1.1 * Math.exp(-e / 4) + 0.2,
  loss_ctr: 0.7 - 0.01 * e,
  val_ap50: e % 2 === 1 ? 0.1 * e : null,
  lr: 1e-3 * 0.9 ** e,
  phase: 'train',
}));

async function sample(name: string): Promise<{ name: string; image: Buffer }> {
  const gray = await sharp({
    create: { width: 96, height: 64, channels: 3, background: { r: 128, g: 128, b: 128 } },
  })
    .png()
    .toBuffer();
  const image = await drawBoxes(gray, [
    { bbox: [10, 20, 40, 30], label: CATEGORIES[1], score: 0.87, color: categoryColor(1) },
    { bbox: [12, 18, 40, 32], label: CATEGORIES[1], color: categoryColor(1), dashed: true },
  ]);
  return { name, image };
}

const r: DetectionReport = {
  ...(await nastyTaskParts('FCOS <r18> & "pets"', 'fcos', sample)),
  history,
  categories: CATEGORIES,
  metrics: metrics(),
};
const html = await renderDetectionReport(r, { generator: 'visiontune test' });

test('formatAp: percent with one decimal, n/a for -1 and missing', () => {
  assert.equal(formatAp(0.4123), '41.2');
  assert.equal(formatAp(0), '0.0');
  assert.equal(formatAp(-1), 'n/a');
  assert.equal(formatAp(Number.NaN), 'n/a');
  assert.equal(formatAp(undefined), 'n/a');
});

test('page has every section, one well-formed inline SVG per chart', () => {
  const sections = ['metrics', 'training', 'per-class', 'pr', 'samples', 'notes', 'config'];
  assertTaskPage(html, sections, DETECTION_CHART_KEYS, {
    losses: /aria-label="Loss curves: loss, loss_cls, loss_box, loss_ctr per epoch"/,
    'epoch-values': /aria-label="Per-epoch curves: lr, val_ap50"/,
    'ap-per-class': /aria-label="AP per class bar chart: AP and AP50 for 3 classes"/,
    'pr-curves': /aria-label="PR curves at IoU 0.5: precision against recall for 3 classes"/,
  });
});

test('headline table: every COCO metric, n/a for -1', () => {
  const table = chart(html, 'headline');
  const cell = (key: string) =>
    new RegExp(`data-metric="${key}"><th scope="row">[^<]+</th><td class="num">([^<]+)</td>`).exec(
      table,
    )?.[1];
  assert.equal(cell('ap'), '41.2');
  assert.equal(cell('ap50'), '65.1');
  assert.equal(cell('ap75'), '44.0');
  assert.equal(cell('apSmall'), 'n/a');
  assert.equal(cell('arSmall'), 'n/a');
  assert.equal(cell('ar100'), '50.0');
  for (const name of ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100']) {
    assert.ok(table.includes(`<th scope="row">${name}</th>`), name);
  }
  // Per-class table: the class without ground truth reads n/a, not -100.0.
  const perClass = chart(html, 'per-class');
  assert.match(perClass, /&lt;script&gt;alert\(1\)&lt;\/script&gt;<\/th><td class="num">n\/a</);
  assert.ok(!html.includes('-100.0'));
});

test('category names, title, captions, notes and config are escaped', () => {
  assertTaskTextEscaped(html, 'FCOS &lt;r18&gt; &amp; &quot;pets&quot;');
  // Inside the SVG charts vega escapes the names itself.
  const bars = chart(html, 'ap-per-class');
  assert.ok(bars.includes('dog &amp; "co"') || bars.includes('dog &amp; &quot;co&quot;'));
});

test('samples are embedded as data: URLs with their bytes', () => {
  assertSamplesEmbedded(html, r.samples);
});

test('chart specs are valid vega-lite with their data inline', () => {
  assertSpecsCompile([
    ['losses', detectionLossSpec(history)],
    ['epoch values', epochMetricsSpec(history)],
    ['ap per class', apPerClassSpec(r.metrics.perCategory, CATEGORIES)],
    ['pr curves', prCurvesSpec(r.metrics.prCurves50, CATEGORIES)],
  ]);
});

test('charts: which keys go where, -1 categories left out, PR over 101 recall points', () => {
  assert.deepEqual(epochKeys(history), [
    'loss',
    'loss_cls',
    'loss_box',
    'loss_ctr',
    'lr',
    'val_ap50',
  ]);
  const epochValues = values(epochMetricsSpec(history));
  assert.deepEqual([...new Set(epochValues.map((v) => v.series))], ['lr', 'val_ap50']);
  // null val_ap50 epochs are not drawn.
  assert.equal(epochValues.filter((v) => v.series === 'val_ap50').length, 3);
  assert.equal(epochMetricsSpec([{ epoch: 1, loss: 1 }]), null);
  assert.equal(detectionLossSpec([{ epoch: 1, val_ap: 0.2 }]), null);

  const bars = values(apPerClassSpec(r.metrics.perCategory, CATEGORIES));
  assert.equal(bars.length, 6);
  assert.ok(!bars.some((b) => b.name === CATEGORIES[2]));

  const curves = values(prCurvesSpec(r.metrics.prCurves50, CATEGORIES));
  assert.equal(curves.length, 3 * 101);
  assert.ok(!curves.some((p) => p.name === CATEGORIES[2]));
  const cat = curves.filter((p) => p.name === 'cat');
  assert.deepEqual([cat[0].recall, cat[50].recall, cat[100].recall], [0, 0.5, 1]);

  const none = r.metrics.perCategory.map((c) => ({ ...c, ap: -1, ap50: -1 }));
  assert.equal(apPerClassSpec(none, CATEGORIES), null);
  assert.equal(prCurvesSpec([{ categoryId: 0, precision: Array(101).fill(-1) }], CATEGORIES), null);
});

test('categoryNames: duplicates get their id, unknown ids a placeholder', () => {
  const name = categoryNames(['a', 'b', 'a'], [0, 1, 2, 5]);
  assert.deepEqual([name(0), name(1), name(2), name(5)], ['a (#0)', 'b', 'a (#2)', 'category 5']);
});

test('missing charts say so; no history still renders', async () => {
  const page = await renderDetectionReport({
    ...r,
    history: [],
    samples: [],
    config: undefined,
    notes: undefined,
    metrics: {
      ...metrics(),
      perCategory: metrics().perCategory.map((c) => ({ ...c, ap: -1, ap50: -1, groundTruth: 0 })),
      prCurves50: metrics().prCurves50.map((c) => ({ ...c, precision: Array(101).fill(-1) })),
    },
  });
  assertBareTaskPage(page);
  assert.match(chart(page, 'ap-per-class'), /No class has ground truth/);
});

test('bad metrics are a user error', async () => {
  await assert.rejects(
    renderDetectionReport({ ...r, metrics: { ap: 0.1 } as unknown as DetectionMetrics }),
    (e) => e instanceof VisiontuneError && e.code === 'BAD_INPUT',
  );
});

test('writeDetectionReport writes the page atomically to the given file', async () => {
  await assertWritesPage('detection.html', (file) => writeDetectionReport(file, r));
});
