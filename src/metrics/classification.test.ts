import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VisiontuneError } from '../errors.js';
import { Rng } from '../util/rng.js';
import {
  binOf,
  ClassificationAccumulator,
  type ClassificationMetrics,
  classificationMetrics,
  NLL_EPSILON,
} from './classification.js';

function close(actual: number, expected: number, tol = 1e-9, what = ''): void {
  assert.ok(
    Math.abs(actual - expected) <= tol,
    `${what} expected ${expected}, got ${actual} (|diff| ${Math.abs(actual - expected)} > ${tol})`,
  );
}

// ---- Hand-made case: 4 classes, 7 samples -------------------------------------------------
// Class 2 is never predicted (precision undefined -> 0); class 3 never occurs in the labels but
// is predicted once (recall undefined -> 0). Probabilities in float64 so the hand numbers below
// are exact up to double rounding.
//
//   sample  label  probabilities               pred  conf  rank of true label
//   s0      0      [0.7,  0.1,  0.1,  0.1 ]    0     0.7   0
//   s1      0      [0.5,  0.3,  0.1,  0.1 ]    0     0.5   0
//   s2      0      [0.3,  0.6,  0.05, 0.05]    1     0.6   1
//   s3      1      [0.4,  0.35, 0.15, 0.1 ]    0     0.4   1
//   s4      1      [0.1,  0.8,  0.05, 0.05]    1     0.8   0
//   s5      2      [0.45, 0.05, 0.2,  0.3 ]    0     0.45  2
//   s6      2      [0.1,  0.1,  0.35, 0.45]    3     0.45  1
const HAND_PROBS = new Float64Array([
  0.7, 0.1, 0.1, 0.1, 0.5, 0.3, 0.1, 0.1, 0.3, 0.6, 0.05, 0.05, 0.4, 0.35, 0.15, 0.1, 0.1, 0.8,
  0.05, 0.05, 0.45, 0.05, 0.2, 0.3, 0.1, 0.1, 0.35, 0.45,
]);
const HAND_LABELS = new Int32Array([0, 0, 0, 1, 1, 2, 2]);

test('hand case: confusion matrix, accuracy, top-k', () => {
  const m = classificationMetrics(HAND_PROBS, HAND_LABELS, 4, { topK: [1, 2, 3, 4, 10] });
  // rows = true, cols = predicted
  assert.deepEqual(m.confusion, [
    [2, 1, 0, 0],
    [1, 1, 0, 0],
    [1, 0, 0, 1],
    [0, 0, 0, 0],
  ]);
  assert.equal(m.count, 7);
  close(m.accuracy, 3 / 7); // diagonal 2 + 1 + 0
  close(m.topK[1], 3 / 7);
  close(m.topK[2], 6 / 7); // only s5 has rank 2
  assert.equal(m.topK[3], 1);
  assert.equal(m.topK[4], 1); // k = C
  assert.equal(m.topK[10], 1); // k > C is capped at C
});

test('hand case: per-class precision / recall / F1 with zero-division flags', () => {
  const m = classificationMetrics(HAND_PROBS, HAND_LABELS, 4);
  // class  tp  support  predicted  P           R            F1 = 2tp/(2tp+fp+fn)
  // 0      2   3        4          2/4         2/3          4/(4+2+1) = 4/7
  // 1      1   2        2          1/2         1/2          2/(2+1+1) = 1/2
  // 2      0   2        0          0 (undef)   0/2          0/(0+0+2) = 0 (defined)
  // 3      0   0        1          0/1         0 (undef)    0/(0+1+0) = 0 (defined)
  const expected = [
    { support: 3, predicted: 4, p: 0.5, r: 2 / 3, f1: 4 / 7, pu: false, ru: false },
    { support: 2, predicted: 2, p: 0.5, r: 0.5, f1: 0.5, pu: false, ru: false },
    { support: 2, predicted: 0, p: 0, r: 0, f1: 0, pu: true, ru: false },
    { support: 0, predicted: 1, p: 0, r: 0, f1: 0, pu: false, ru: true },
  ];
  expected.forEach((e, c) => {
    const got = m.perClass[c];
    assert.equal(got.label, c);
    assert.equal(got.support, e.support, `support ${c}`);
    assert.equal(got.predicted, e.predicted, `predicted ${c}`);
    close(got.precision, e.p, 1e-12, `precision ${c}`);
    close(got.recall, e.r, 1e-12, `recall ${c}`);
    close(got.f1, e.f1, 1e-12, `f1 ${c}`);
    assert.equal(got.precisionUndefined, e.pu, `precisionUndefined ${c}`);
    assert.equal(got.recallUndefined, e.ru, `recallUndefined ${c}`);
    assert.equal(got.f1Undefined, false, `f1Undefined ${c}`);
  });
  // Balanced accuracy: mean recall over classes in the labels {0, 1, 2}: (2/3 + 1/2 + 0)/3 = 7/18.
  close(m.balancedAccuracy, 7 / 18);
  // Macro over classes in labels or predictions {0, 1, 2, 3}:
  //   F1 (4/7 + 1/2 + 0 + 0)/4 = 15/56;  P (1/2 + 1/2)/4 = 1/4;  R (2/3 + 1/2)/4 = 7/24.
  close(m.macroF1, 15 / 56);
  close(m.macroPrecision, 1 / 4);
  close(m.macroRecall, 7 / 24);
  // Weighted by support: (3 * 4/7 + 2 * 1/2 + 2 * 0)/7 = 19/49.
  close(m.weightedF1, 19 / 49);
});

test('a class absent from both labels and predictions is left out of the macro averages', () => {
  // Same data with a fifth, untouched class: macro F1 stays 15/56, not (15/14)/5.
  const probs5: number[][] = [];
  for (let i = 0; i < 7; i++) probs5.push([...HAND_PROBS.subarray(i * 4, i * 4 + 4), 0]);
  const m = classificationMetrics(probs5, HAND_LABELS, 5);
  close(m.macroF1, 15 / 56);
  close(m.balancedAccuracy, 7 / 18);
  const c4 = m.perClass[4];
  assert.deepEqual(
    [c4.support, c4.predicted, c4.precision, c4.recall, c4.f1, c4.f1Undefined],
    [0, 0, 0, 0, 0, true],
  );
});

test('hand case: 2-bin ECE, MCE, reliability bins and NLL', () => {
  const m = classificationMetrics(HAND_PROBS, HAND_LABELS, 4, { eceBins: 2 });
  // Bins (0, 0.5] and (0.5, 1]; 0.5 sits on the edge and belongs to the lower bin.
  //   bin 0: s1 (0.5, right), s3 (0.4, wrong), s5 (0.45, wrong), s6 (0.45, wrong)
  //          n = 4, acc = 1/4, conf = 1.8/4 = 0.45, gap 0.2
  //   bin 1: s0 (0.7, right), s2 (0.6, wrong), s4 (0.8, right)
  //          n = 3, acc = 2/3, conf = 2.1/3 = 0.7, gap 1/30
  // ECE = 4/7 * 0.2 + 3/7 * 1/30 = 0.8/7 + 0.1/7 = 0.9/7
  close(m.ece, 0.9 / 7, 1e-12);
  close(m.mce, 0.2, 1e-12);
  assert.equal(m.eceBins, 2);
  assert.equal(m.reliability.length, 2);
  const [b0, b1] = m.reliability;
  assert.deepEqual(
    [b0.lower, b0.upper, b0.count, b1.lower, b1.upper, b1.count],
    [0, 0.5, 4, 0.5, 1, 3],
  );
  close(b0.accuracy!, 0.25);
  close(b0.meanConfidence!, 0.45, 1e-12);
  close(b1.accuracy!, 2 / 3);
  close(b1.meanConfidence!, 0.7, 1e-12);
  // NLL: p_true = 0.7, 0.5, 0.3, 0.35, 0.8, 0.2, 0.35
  //   -(ln .7 + ln .5 + ln .3 + ln .35 + ln .8 + ln .2 + ln .35)/7
  //   = (0.356675 + 0.693147 + 1.203973 + 1.049822 + 0.223144 + 1.609438 + 1.049822)/7
  //   = 6.186021/7 ≈ 0.8837173
  close(m.nll, 0.8837173, 1e-6);
});

test('perfect one-hot predictions: accuracy 1, ECE 0, NLL 0; confident-and-right at 0.9 gives ECE 0.1', () => {
  const C = 3;
  const labels = new Int32Array([0, 1, 2, 2, 1]);
  const oneHot = new Float32Array(labels.length * C);
  const soft = new Float32Array(labels.length * C);
  labels.forEach((y, i) => {
    oneHot[i * C + y] = 1;
    for (let j = 0; j < C; j++) soft[i * C + j] = j === y ? 0.9 : 0.05;
  });
  const m = classificationMetrics(oneHot, labels, C);
  assert.equal(m.accuracy, 1);
  assert.equal(m.balancedAccuracy, 1);
  assert.equal(m.macroF1, 1);
  assert.equal(m.ece, 0);
  assert.equal(m.nll, 0);
  // All in one bin: acc 1, conf 0.9 (float32) -> ECE = 0.1, NLL = -ln 0.9.
  const s = classificationMetrics(soft, labels, C);
  assert.equal(s.accuracy, 1);
  close(s.ece, 0.1, 1e-6);
  close(s.nll, -Math.log(0.9), 1e-6);
  assert.equal(s.reliability.filter((b) => b.count > 0).length, 1);
});

test('NLL clamps a zero probability for the true class', () => {
  const m = classificationMetrics(new Float32Array([1, 0]), new Int32Array([1]), 2);
  close(m.nll, -Math.log(NLL_EPSILON), 1e-9);
  assert.ok(Number.isFinite(m.nll));
});

test('ties: argmax and top-k take the lowest index among equal probabilities', () => {
  const C = 4;
  // label 0: predicted 0 (lowest index wins) -> correct
  // label 1: predicted 0 -> wrong; top-2 = {0, 1} -> hit
  // label 3: top-2 = {0, 1}, top-3 = {0, 1, 2} -> misses both
  // label 2: predicted 1 -> wrong; top-2 = {1, 2} -> hit
  const rows = [
    [0.25, 0.25, 0.25, 0.25],
    [0.25, 0.25, 0.25, 0.25],
    [0.25, 0.25, 0.25, 0.25],
    [0.1, 0.4, 0.4, 0.1],
  ];
  const probs = new Float32Array(rows.flat());
  const labels = new Int32Array([0, 1, 3, 2]);
  const m = classificationMetrics(probs, labels, C, { topK: [1, 2, 3] });
  assert.deepEqual(m.confusion, [
    [1, 0, 0, 0],
    [1, 0, 0, 0],
    [0, 1, 0, 0],
    [1, 0, 0, 0],
  ]);
  assert.equal(m.topK[1], 1 / 4);
  assert.equal(m.topK[2], 3 / 4);
  assert.equal(m.topK[3], 3 / 4);
});

test('input validation names the problem and leaves the accumulator untouched', () => {
  const acc = new ClassificationAccumulator(3);
  acc.add(new Float32Array([0.2, 0.3, 0.5]), new Int32Array([2]));
  const rejects = (fn: () => void, re: RegExp) =>
    assert.throws(
      fn,
      (e: unknown) => e instanceof VisiontuneError && e.code === 'BAD_INPUT' && re.test(e.message),
    );

  rejects(
    () => acc.add(new Float32Array([0.2, 0.3, 0.5]), new Int32Array([3])),
    /label 3 .*row 0.*\[0, 3\)/,
  );
  rejects(() => acc.add(new Float32Array([0.2, 0.3, 0.5]), new Int32Array([-1])), /label -1/);
  rejects(() => acc.add(new Float32Array([0.2, 0.3, 0.5]), [1.5]), /label 1.5/);
  rejects(
    () => acc.add(new Float32Array([0.2, 0.3, 0.5, 0.1, 0.9]), new Int32Array([0, 1])),
    /5 values for 2 labels; expected 2 x 3 = 6/,
  );
  rejects(
    () => acc.add(new Float32Array(9).fill(0.3), new Int32Array([0, 1])),
    /that is 3 rows of 3, but there are 2 labels/,
  );
  rejects(
    () =>
      acc.add(
        [
          [0.2, 0.8],
          [0.1, 0.2, 0.7],
        ],
        [0, 1],
      ),
    /row 0 has 2 values; expected numClasses = 3/,
  );
  rejects(() => acc.add([[0.2, 0.3, 0.5]], [0, 1]), /1 probability rows for 2 labels/);
  rejects(
    () => acc.add(new Float32Array([0.2, 0.3, 0.5, 0.1, Number.NaN, 0.9]), new Int32Array([0, 1])),
    /class 1 at row 1 of the batch \(sample 2\) is NaN/,
  );
  rejects(
    () => acc.add(new Float32Array([2.5, -1, 0.1]), new Int32Array([0])),
    /outside \[0, 1\].*logits/,
  );
  rejects(
    () => acc.add(new Float32Array([0.5, Number.POSITIVE_INFINITY, 0]), new Int32Array([0])),
    /Infinity/,
  );

  // None of the rejected batches counted.
  assert.equal(acc.count, 1);
  assert.deepEqual(acc.result().confusion, [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 1],
  ]);
});

test('bad options and empty evaluations are errors', () => {
  assert.throws(() => new ClassificationAccumulator(0), /numClasses must be a positive integer/);
  assert.throws(
    () => new ClassificationAccumulator(3, { topK: [0] }),
    /topK must be a positive integer/,
  );
  assert.throws(() => new ClassificationAccumulator(3, { eceBins: 2.5 }), /eceBins/);
  assert.throws(() => new ClassificationAccumulator(3).result(), /no samples were evaluated/);
});

test('binOf puts values on an edge in the lower bin and agrees with edge comparisons', () => {
  assert.equal(binOf(0, 10), 0);
  assert.equal(binOf(0.1, 10), 0);
  assert.equal(binOf(0.3, 10), 2);
  assert.equal(binOf(0.7, 10), 6);
  assert.equal(binOf(1, 10), 9);
  assert.equal(binOf(1 / 15, 15), 0);
  assert.equal(binOf(Math.fround(0.2), 5), 1); // float32 0.2 is just above 0.2
  const rng = new Rng('binOf');
  for (let t = 0; t < 20000; t++) {
    const M = 1 + rng.int(30);
    // Half the draws sit exactly on an edge (as float64 or after float32 rounding).
    const x = rng.bool()
      ? rng.next()
      : rng.bool()
        ? rng.int(M + 1) / M
        : Math.fround(rng.int(M + 1) / M);
    let expected = 0;
    for (let b = 0; b < M; b++) if (x > b / M && x <= (b + 1) / M) expected = b;
    assert.equal(binOf(x, M), expected, `x = ${x}, M = ${M}`);
  }
});

// ---- Random inputs against a brute-force reference ----------------------------------------

interface Reference {
  confusion: number[][];
  accuracy: number;
  topK: Map<number, number>;
  precision: number[];
  recall: number[];
  f1: number[];
  balancedAccuracy: number;
  macroF1: number;
  weightedF1: number;
  ece: number;
  nll: number;
}

/** Written independently of the implementation: sort for top-k, explicit tp/fp/fn loops, edge scans for bins. */
function reference(
  probs: Float32Array,
  labels: Int32Array,
  C: number,
  ks: number[],
  M: number,
): Reference {
  const n = labels.length;
  const confusion = Array.from({ length: C }, () => new Array<number>(C).fill(0));
  const topK = new Map<number, number>();
  for (const k of ks) topK.set(k, 0);
  const binN = new Array<number>(M).fill(0);
  const binConf = new Array<number>(M).fill(0);
  const binRight = new Array<number>(M).fill(0);
  let correct = 0;
  let nll = 0;
  for (let i = 0; i < n; i++) {
    const row: number[] = [];
    for (let j = 0; j < C; j++) row.push(probs[i * C + j]);
    const order = row
      .map((p, j) => ({ p, j }))
      .sort((a, b) => (b.p !== a.p ? b.p - a.p : a.j - b.j));
    const pred = order[0].j;
    const y = labels[i];
    confusion[y][pred] += 1;
    if (pred === y) correct++;
    for (const k of ks) {
      if (order.slice(0, k).some((o) => o.j === y)) topK.set(k, topK.get(k)! + 1);
    }
    const conf = order[0].p;
    for (let b = 0; b < M; b++) {
      const lo = b / M;
      const hi = (b + 1) / M;
      if ((conf > lo || (b === 0 && conf >= 0)) && conf <= hi) {
        binN[b]++;
        binConf[b] += conf;
        if (pred === y) binRight[b]++;
        break;
      }
    }
    nll += -Math.log(Math.max(row[y], 1e-7));
  }
  const precision: number[] = [];
  const recall: number[] = [];
  const f1: number[] = [];
  const support: number[] = [];
  const present: boolean[] = [];
  for (let c = 0; c < C; c++) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < n; i++) {
      const pred = (() => {
        let best = 0;
        for (let j = 1; j < C; j++) if (probs[i * C + j] > probs[i * C + best]) best = j;
        return best;
      })();
      if (pred === c && labels[i] === c) tp++;
      else if (pred === c) fp++;
      else if (labels[i] === c) fn++;
    }
    const p = tp + fp === 0 ? 0 : tp / (tp + fp);
    const r = tp + fn === 0 ? 0 : tp / (tp + fn);
    precision.push(p);
    recall.push(r);
    f1.push(p + r === 0 ? 0 : (2 * p * r) / (p + r));
    support.push(tp + fn);
    present.push(tp + fp + fn > 0);
  }
  let balSum = 0;
  let balN = 0;
  let macroSum = 0;
  let macroN = 0;
  let weighted = 0;
  for (let c = 0; c < C; c++) {
    if (support[c] > 0) {
      balSum += recall[c];
      balN++;
    }
    if (present[c]) {
      macroSum += f1[c];
      macroN++;
    }
    weighted += (support[c] / n) * f1[c];
  }
  let ece = 0;
  for (let b = 0; b < M; b++) {
    if (binN[b] > 0) ece += (binN[b] / n) * Math.abs(binRight[b] / binN[b] - binConf[b] / binN[b]);
  }
  for (const k of ks) topK.set(k, topK.get(k)! / n);
  return {
    confusion,
    accuracy: correct / n,
    topK,
    precision,
    recall,
    f1,
    balancedAccuracy: balSum / balN,
    macroF1: macroSum / macroN,
    weightedF1: weighted,
    ece,
    nll: nll / n,
  };
}

/** Random softmax-like rows; with `coarse`, values come from a few levels so ties are common. */
function randomBatch(rng: Rng, n: number, C: number, coarse: boolean, labelClasses: number) {
  const probs = new Float32Array(n * C);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    const row: number[] = [];
    for (let j = 0; j < C; j++) {
      const v = coarse ? rng.int(4) : Math.exp(3 * rng.normal());
      row.push(v);
      sum += v;
    }
    if (sum === 0) {
      row[rng.int(C)] = 1;
      sum = 1;
    }
    for (let j = 0; j < C; j++) probs[i * C + j] = row[j] / sum;
    labels[i] = rng.int(labelClasses); // labelClasses < C leaves the top classes out of the labels
  }
  return { probs, labels };
}

function assertMatches(m: ClassificationMetrics, ref: Reference, ks: number[], what: string): void {
  assert.deepEqual(m.confusion, ref.confusion, `${what}: confusion`);
  close(m.accuracy, ref.accuracy, 1e-12, `${what}: accuracy`);
  for (const k of ks) close(m.topK[k], ref.topK.get(k)!, 1e-12, `${what}: top-${k}`);
  m.perClass.forEach((c, i) => {
    close(c.precision, ref.precision[i], 1e-12, `${what}: precision ${i}`);
    close(c.recall, ref.recall[i], 1e-12, `${what}: recall ${i}`);
    close(c.f1, ref.f1[i], 1e-12, `${what}: f1 ${i}`);
  });
  close(m.balancedAccuracy, ref.balancedAccuracy, 1e-12, `${what}: balanced accuracy`);
  close(m.macroF1, ref.macroF1, 1e-12, `${what}: macro F1`);
  close(m.weightedF1, ref.weightedF1, 1e-12, `${what}: weighted F1`);
  close(m.ece, ref.ece, 1e-9, `${what}: ECE`);
  close(m.nll, ref.nll, 1e-9, `${what}: NLL`);
}

test('random inputs match a brute-force float64 reference (smooth and tie-heavy)', () => {
  const rng = new Rng('classification-metrics');
  for (let trial = 0; trial < 40; trial++) {
    const C = 2 + rng.int(9);
    const n = 1 + rng.int(300);
    const coarse = trial % 2 === 1;
    const labelClasses = trial % 3 === 0 ? Math.max(1, C - 2) : C;
    const ks = [...new Set([1, 2, 3, 5, C, C + 3])];
    const M = 1 + rng.int(20);
    const { probs, labels } = randomBatch(rng, n, C, coarse, labelClasses);
    const m = classificationMetrics(probs, labels, C, { topK: ks, eceBins: M });
    const ref = reference(probs, labels, C, ks, M);
    assertMatches(m, ref, ks, `trial ${trial} (C=${C}, n=${n}, coarse=${coarse}, M=${M})`);

    // Invariants: the matrix sums to the sample count, row sums are the supports.
    let total = 0;
    m.confusion.forEach((row, c) => {
      const rowSum = row.reduce((a, b) => a + b, 0);
      assert.equal(rowSum, m.perClass[c].support);
      assert.equal(rowSum, labels.filter((y) => y === c).length);
      total += rowSum;
    });
    assert.equal(total, n);
    assert.equal(m.count, n);
    assert.equal(
      m.reliability.reduce((s, b) => s + b.count, 0),
      n,
    );
    assert.equal(m.topK[C], 1);
    assert.equal(m.topK[C + 3], 1);
  }
});

test('streaming in several batches (and merging accumulators) equals one batch exactly', () => {
  const rng = new Rng('classification-streaming');
  const C = 7;
  const n = 500;
  const { probs, labels } = randomBatch(rng, n, C, false, C);
  const opts = { topK: [1, 3, 5], eceBins: 10 };
  const whole = classificationMetrics(probs, labels, C, opts);

  const streamed = new ClassificationAccumulator(C, opts);
  const cuts = [0, 1, 37, 37, 200, 333, 499, n]; // includes an empty batch
  for (let i = 0; i + 1 < cuts.length; i++) {
    streamed.add(
      probs.subarray(cuts[i] * C, cuts[i + 1] * C),
      labels.subarray(cuts[i], cuts[i + 1]),
    );
  }
  assert.deepEqual(streamed.result(), whole);

  const a = new ClassificationAccumulator(C, opts);
  const b = new ClassificationAccumulator(C, opts);
  a.add(probs.subarray(0, 250 * C), labels.subarray(0, 250));
  b.add(probs.subarray(250 * C), labels.subarray(250));
  a.merge(b);
  const merged = a.result();
  assert.deepEqual(merged.confusion, whole.confusion);
  assert.deepEqual(merged.topK, whole.topK);
  close(merged.ece, whole.ece, 1e-12);
  close(merged.nll, whole.nll, 1e-12);
  assert.deepEqual(
    merged.reliability.map((r) => r.count),
    whole.reliability.map((r) => r.count),
  );
  close(merged.mce, whole.mce, 1e-12);
  assert.throws(() => a.merge(new ClassificationAccumulator(C, { topK: [1] })), /cannot merge/);

  a.reset();
  assert.equal(a.count, 0);
  a.add(probs, labels);
  assert.deepEqual(a.result(), whole);
});
