import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BEFORE_SERIES,
  FINAL_SERIES,
  fewShotAccuracySpec,
  isMetaTrained,
  metaTrainingSpec,
  TRAIN_QUERY_SERIES,
  thinHistory,
  VALIDATION_SERIES,
} from './fewshot-charts.js';
import type { FewShotMethodReport, MetaTrainPoint } from './fewshot-types.js';
import { renderSvg } from './render.js';

type Row = Record<string, unknown>;
interface Layer {
  data?: { values: Row[] };
  mark?: { type: string } | string;
  layer?: Layer[];
  encoding?: Record<string, { scale?: { domain?: unknown[] }; legend?: unknown }>;
}
const markType = (l: Layer) => (typeof l.mark === 'string' ? l.mark : l.mark?.type);

function method(name: string, o: Partial<FewShotMethodReport> = {}): FewShotMethodReport {
  return {
    method: name,
    settings: {},
    results: [
      { shots: 1, mean: 0.5, ci95: 0.01, episodes: 100 },
      { shots: 5, mean: 0.7, ci95: 0.008, episodes: 100 },
    ],
    history: [],
    metaSeconds: 0,
    evalSeconds: 1,
    ...o,
  };
}

const curve = (n: number, valEvery = 0): MetaTrainPoint[] =>
  Array.from({ length: n }, (_, i) => ({
    step: i * 10,
    loss: 1.5 - i / n,
    accuracy: 0.4 + (0.3 * i) / n,
    seconds: i,
    ...(valEvery > 0 && i % valEvery === 0
      ? { valAccuracy: 0.35 + (0.3 * i) / n, valCi95: 0.02 }
      : {}),
  }));

test('accuracy chart: one row per result, untrained rows marked before meta-training', async () => {
  const methods = [
    method('centroid'),
    method('protonet', {
      untrained: [
        { shots: 1, mean: 0.42, ci95: 0.01, episodes: 100 },
        { shots: 5, mean: 0.995, ci95: 0.02, episodes: 100 },
      ],
      history: curve(5),
    }),
  ];
  const spec = fewShotAccuracySpec(methods, 5)!;
  const rows = (spec as { data: { values: Row[] } }).data.values;
  assert.equal(rows.length, 6);
  const before = rows.filter((r) => r.stage === BEFORE_SERIES);
  assert.deepEqual(
    before.map((r) => [r.method, r.shot]),
    [
      ['protonet', '1-shot'],
      ['protonet', '5-shot'],
    ],
  );
  // Interval ends are mean ± ci95, clamped to [0, 1].
  const p1 = rows.find(
    (r) => r.method === 'protonet' && r.shot === '1-shot' && r.stage === FINAL_SERIES,
  )!;
  assert.ok(
    Math.abs((p1.lo as number) - 0.49) < 1e-12 && Math.abs((p1.hi as number) - 0.51) < 1e-12,
  );
  assert.equal(before[1].hi, 1);
  // Error bars (rule) and both kinds of points are layers of the same chart.
  const types = (spec as { layer: Layer[] }).layer.map(markType);
  assert.deepEqual(types, ['rule', 'tick', 'tick', 'point', 'point']);
  const svg = await renderSvg(spec);
  assert.match(
    svg,
    /^<svg role="img" aria-label="Few-shot accuracy chart: mean test accuracy with 95% confidence intervals per method, 1-shot and 5-shot, with accuracy before meta-training"/,
  );
  assert.ok(svg.includes(`>${BEFORE_SERIES}</text>`), 'legend names the untrained points');
  assert.ok(svg.includes('>5-shot</text>'));
});

test('accuracy chart: no untrained legend without meta-learners, null without results', () => {
  const spec = fewShotAccuracySpec([method('centroid')])!;
  const enc = (spec as { encoding: Layer['encoding'] }).encoding!;
  assert.equal(enc.opacity.legend, null);
  assert.doesNotMatch(String(spec.description), /before meta-training/);
  assert.equal(fewShotAccuracySpec([]), null);
  assert.equal(
    fewShotAccuracySpec([
      method('x', { results: [{ shots: 1, mean: Number.NaN, ci95: 0, episodes: 0 }] }),
    ]),
    null,
  );
});

test('learning curves: methods without history are left out; null when none has one', async () => {
  assert.equal(metaTrainingSpec([method('centroid'), method('finetune-head')]), null);
  const methods = [
    method('centroid'),
    method('protonet', { history: curve(30, 5), bestStep: 200 }),
    method('maml', { history: curve(12), untrained: [] }),
  ];
  const spec = metaTrainingSpec(methods)!;
  const [loss, accuracy] = (spec as { hconcat: Layer[] }).hconcat;
  const lossRows = loss.layer![0].data!.values;
  assert.deepEqual([...new Set(lossRows.map((r) => r.method))], ['protonet', 'maml']);
  assert.equal(lossRows.length, 42);
  const layers = accuracy.layer!;
  assert.deepEqual(layers.map(markType), ['area', 'line', 'point', 'rule']);
  const band = layers[0].data!.values;
  assert.equal(band.length, 6, 'one band row per validation check');
  assert.ok(band.every((r) => r.method === 'protonet'));
  const acc = layers[1].data!.values;
  assert.equal(acc.filter((r) => r.series === VALIDATION_SERIES).length, 6);
  assert.equal(acc.filter((r) => r.series === TRAIN_QUERY_SERIES).length, 42);
  assert.deepEqual(layers[3].data!.values, [{ method: 'protonet', step: 200 }]);
  const svg = await renderSvg(spec);
  assert.match(
    svg,
    /^<svg role="img" aria-label="Meta-training learning curves: training query loss and accuracy per outer step for protonet, maml; meta-validation accuracy; the step kept by meta-validation"/,
  );
  assert.doesNotMatch(svg, />centroid</);
});

test('learning curves without validation: no band, no dashed legend, no rule', () => {
  const spec = metaTrainingSpec([method('reptile', { history: curve(8) })])!;
  const accuracy = (spec as { hconcat: Layer[] }).hconcat[1];
  assert.deepEqual(accuracy.layer!.map(markType), ['line']);
  assert.equal(accuracy.layer![0].encoding!.strokeDash.legend, null);
  assert.doesNotMatch(String(spec.description), /meta-validation/);
});

test('thinning a long log keeps the ends and every validation check', () => {
  const long = curve(5000, 250);
  const thin = thinHistory(long, 400);
  assert.ok(thin.length <= 420, `${thin.length} points`);
  assert.equal(thin[0].step, 0);
  assert.equal(thin.at(-1)!.step, long.at(-1)!.step);
  assert.equal(thin.filter((p) => p.valAccuracy !== undefined).length, 20);
  assert.equal(thinHistory(curve(10), 400).length, 10);
});

test('isMetaTrained: a history or an untrained baseline', () => {
  assert.equal(isMetaTrained(method('centroid')), false);
  assert.equal(isMetaTrained(method('protonet', { history: curve(2) })), true);
  assert.equal(
    isMetaTrained(
      method('maml', { untrained: [{ shots: 1, mean: 0.3, ci95: 0.01, episodes: 10 }] }),
    ),
    true,
  );
});
