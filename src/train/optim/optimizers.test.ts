import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { VisiontuneError } from '../../errors.js';
import { Rng } from '../../util/rng.js';
import { packArrays, unpackArrays } from '../tensor-blob.js';
import { AdamW, type AdamWOptions } from './adamw.js';
import { SGD, type SGDOptions } from './sgd.js';
import type { GroupOptimizer, OptimizerState, ParamGroup } from './types.js';

await tf.setBackend('cpu');
tf.env().set('PROD', true);

const SHAPES = [[3, 4], [5], [2, 3, 2], [1]];
// Gradients of very different sizes per variable: tiny ones make the placement of Adam's eps
// and the weight-decay terms visible; large ones stress momentum.
const GRAD_SCALE = [1, 0.01, 1e-3, 10];
const STEPS = 12;
const LR0 = 0.05;
const lrOf = (k: number) => LR0 * (1 - k / (2 * STEPS)); // a changing base lr, as a schedule gives
const MAX_REL = 1e-5;

const size = (shape: number[]) => shape.reduce((n, d) => n * d, 1);

// ---- Independent float64 references, written from the algorithm boxes in the PyTorch docs ----

interface RefParam {
  p: number[];
  buf?: number[];
  m?: number[];
  v?: number[];
  t: number;
}

function refSgd(s: RefParam, g: number[], lr: number, wd: number, o: SGDOptions): void {
  const mu = o.momentum ?? 0;
  const tau = o.dampening ?? 0;
  const d = g.map((gi, i) => gi + wd * s.p[i]);
  let u = d;
  if (mu !== 0) {
    const prev = s.buf;
    s.buf = prev ? prev.map((b, i) => mu * b + (1 - tau) * d[i]) : d.slice();
    const buf = s.buf;
    u = o.nesterov ? d.map((di, i) => di + mu * buf[i]) : buf;
  }
  s.p = s.p.map((pi, i) => pi - lr * u[i]);
}

function refAdamW(s: RefParam, g: number[], lr: number, wd: number, o: AdamWOptions): void {
  const b1 = o.beta1 ?? 0.9;
  const b2 = o.beta2 ?? 0.999;
  const eps = o.eps ?? 1e-8;
  s.t += 1;
  const m0 = s.m ?? g.map(() => 0);
  const v0 = s.v ?? g.map(() => 0);
  s.m = m0.map((m, i) => b1 * m + (1 - b1) * g[i]);
  s.v = v0.map((v, i) => b2 * v + (1 - b2) * g[i] * g[i]);
  const m = s.m;
  const v = s.v;
  s.p = s.p.map((pi, i) => {
    const decayed = pi - lr * wd * pi;
    const mHat = m[i] / (1 - b1 ** s.t);
    const vHat = v[i] / (1 - b2 ** s.t);
    return decayed - (lr * mHat) / (Math.sqrt(vHat) + eps);
  });
}

// ---- Harness ----

interface Problem {
  init: Float32Array[];
  /** grads[step][variable]; null = no gradient for that variable at that step. */
  grads: (Float32Array | null)[][];
}

function problem(seed: number, skipEarly: boolean): Problem {
  const rng = new Rng(seed);
  const normals = (n: number, scale: number) =>
    Float32Array.from({ length: n }, () => rng.normal() * scale);
  const init = SHAPES.map((s) => normals(size(s), 0.5));
  const grads = Array.from({ length: STEPS }, (_, k) =>
    SHAPES.map((s, j) =>
      // Variable 3 gets no gradient for the first 4 steps (a late-unfrozen layer).
      skipEarly && j === 3 && k < 4 ? null : normals(size(s), GRAD_SCALE[j]),
    ),
  );
  return { init, grads };
}

function makeGroups(vars: tf.Variable[], wd: number): ParamGroup[] {
  return [
    { name: 'head', variables: [vars[0], vars[1]], lrMult: 1, weightDecay: wd },
    { name: 'backbone', variables: [vars[2], vars[3]], lrMult: 0.3, weightDecay: wd },
  ];
}
const LR_MULT = [1, 1, 0.3, 0.3];

function makeVars(init: Float32Array[]): tf.Variable[] {
  return init.map((v, j) => tf.variable(tf.tensor(v, SHAPES[j])));
}

function gradMap(vars: tf.Variable[], step: (Float32Array | null)[]): Map<string, tf.Tensor> {
  const m = new Map<string, tf.Tensor>();
  step.forEach((g, j) => {
    if (g) m.set(vars[j].name, tf.tensor(g, SHAPES[j]));
  });
  return m;
}

function runSteps(
  opt: GroupOptimizer,
  vars: tf.Variable[],
  grads: Problem['grads'],
  from: number,
  to: number,
): void {
  for (let k = from; k < to; k++) {
    const g = gradMap(vars, grads[k]);
    opt.step(g, lrOf(k));
    tf.dispose([...g.values()]);
  }
}

/** Tensor-wise relative error in the max norm: max|a − b| / max|b|. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return den === 0 ? num : num / den;
}

/**
 * Error of the total update p_T − p_0, which isolates the optimizer's arithmetic: max|Δa − Δb|
 * divided by what it may be, MAX_REL·max|Δb| plus float32 storage rounding of p at each step
 * (a 0.5-sized weight moving by 1e-4 a step loses ~6e-8 per step to storage alone). <= 1 passes.
 */
function updateErr(a: ArrayLike<number>, b: ArrayLike<number>, p0: ArrayLike<number>): number {
  let num = 0;
  let maxDelta = 0;
  let maxP = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i] - p0[i] - (b[i] - p0[i])));
    maxDelta = Math.max(maxDelta, Math.abs(b[i] - p0[i]));
    maxP = Math.max(maxP, Math.abs(b[i]), Math.abs(p0[i]));
  }
  return num / (MAX_REL * maxDelta + STEPS * 2 ** -23 * maxP);
}

const worst = { sgd: 0, adamw: 0, sgdDelta: 0, adamwDelta: 0 };

function compareToReference(
  kind: 'sgd' | 'adamw',
  settings: SGDOptions & AdamWOptions,
  wd: number,
  seed: number,
): void {
  const pb = problem(seed, true);
  const vars = makeVars(pb.init);
  const opt =
    kind === 'sgd'
      ? new SGD(makeGroups(vars, wd), settings)
      : new AdamW(makeGroups(vars, wd), settings);
  runSteps(opt, vars, pb.grads, 0, STEPS);
  const refs: RefParam[] = pb.init.map((p) => ({ p: Array.from(p), t: 0 }));
  for (let k = 0; k < STEPS; k++) {
    refs.forEach((r, j) => {
      const g = pb.grads[k][j];
      if (!g) return;
      const lr = lrOf(k) * LR_MULT[j];
      if (kind === 'sgd') refSgd(r, Array.from(g), lr, wd, settings);
      else refAdamW(r, Array.from(g), lr, wd, settings);
    });
  }
  const label = `${kind} ${JSON.stringify(settings)} wd=${wd}`;
  vars.forEach((v, j) => {
    const ours = v.dataSync();
    const ref = refs[j].p;
    const errParam = relErr(ours, ref);
    const errDelta = updateErr(ours, ref, pb.init[j]);
    assert.ok(errParam < MAX_REL, `${label}, variable ${j}: relative error ${errParam}`);
    assert.ok(errDelta <= 1, `${label}, variable ${j}: update error ${errDelta} of allowed`);
    worst[kind] = Math.max(worst[kind], errParam);
    if (kind === 'sgd') worst.sgdDelta = Math.max(worst.sgdDelta, errDelta);
    else worst.adamwDelta = Math.max(worst.adamwDelta, errDelta);
  });
  opt.dispose();
  tf.dispose(vars);
}

test('SGD matches a float64 PyTorch-formula reference over 12 steps', () => {
  const settings: SGDOptions[] = [
    { momentum: 0 },
    { momentum: 0.9 },
    { momentum: 0.9, nesterov: true },
    { momentum: 0.5, dampening: 0.1 },
  ];
  let seed = 1;
  for (const s of settings) for (const wd of [0, 0.01]) compareToReference('sgd', s, wd, seed++);
});

test('AdamW matches a float64 PyTorch-formula reference over 12 steps', () => {
  const settings: AdamWOptions[] = [{}, { beta1: 0.8, beta2: 0.99, eps: 1e-3 }];
  let seed = 100;
  for (const s of settings) for (const wd of [0, 0.01]) compareToReference('adamw', s, wd, seed++);
});

test('worst errors against the float64 reference', () => {
  // Runs after the two tests above (node:test runs a file's tests in order).
  console.log(
    `worst errors vs float64 reference (param: relative, *Delta: fraction of allowed): ${JSON.stringify(worst)}`,
  );
});

// ---- Second reference: tfjs's own optimizers (constant lr, every variable gets a gradient) ----

function compareToTfjs(
  ours: (groups: ParamGroup[]) => GroupOptimizer,
  theirs: (lr: number) => tf.Optimizer,
  seed: number,
): { param: number; update: number } {
  const pb = problem(seed, false);
  const a = makeVars(pb.init);
  const b = makeVars(pb.init);
  const opt = ours(makeGroups(a, 0));
  const tfOpts = [theirs(LR0 * 1), theirs(LR0 * 0.3)];
  for (let k = 0; k < STEPS; k++) {
    const g = gradMap(a, pb.grads[k]);
    opt.step(g, LR0);
    tf.dispose([...g.values()]);
    const gb = gradMap(b, pb.grads[k]);
    const entries = [...gb.entries()];
    tfOpts[0].applyGradients(Object.fromEntries(entries.slice(0, 2)));
    tfOpts[1].applyGradients(Object.fromEntries(entries.slice(2)));
    tf.dispose([...gb.values()]);
  }
  const err = { param: 0, update: 0 };
  a.forEach((v, j) => {
    err.param = Math.max(err.param, relErr(v.dataSync(), b[j].dataSync()));
    err.update = Math.max(err.update, updateErr(v.dataSync(), b[j].dataSync(), pb.init[j]));
  });
  opt.dispose();
  for (const o of tfOpts) o.dispose();
  tf.dispose([...a, ...b]);
  return err;
}

test('AdamW (wd = 0) agrees with tf.train.adam, which also puts eps outside the sqrt', () => {
  for (const eps of [1e-8, 1e-3]) {
    const err = compareToTfjs(
      (groups) => new AdamW(groups, { beta1: 0.9, beta2: 0.999, eps }),
      (lr) => tf.train.adam(lr, 0.9, 0.999, eps),
      7,
    );
    console.log(`AdamW vs tf.train.adam (eps ${eps}): ${JSON.stringify(err)}`);
    assert.ok(err.param < MAX_REL && err.update <= 1, `eps ${eps}: ${JSON.stringify(err)}`);
  }
});

test('SGD momentum (wd = 0) agrees with tf.train.momentum, with and without Nesterov', () => {
  for (const nesterov of [false, true]) {
    const err = compareToTfjs(
      (groups) => new SGD(groups, { momentum: 0.9, nesterov }),
      (lr) => tf.train.momentum(lr, 0.9, nesterov),
      8,
    );
    console.log(`SGD vs tf.train.momentum (nesterov ${nesterov}): ${JSON.stringify(err)}`);
    assert.ok(
      err.param < MAX_REL && err.update <= 1,
      `nesterov ${nesterov}: ${JSON.stringify(err)}`,
    );
  }
});

// ---- Checkpoint / resume ----

/** What a checkpoint does with optimizer state: flat float32 blob + JSON, then back. */
function throughDisk(state: OptimizerState): OptimizerState {
  const { index, data } = packArrays(state.slots);
  const json = JSON.parse(JSON.stringify({ kind: state.kind, step: state.step, index }));
  return {
    kind: json.kind,
    step: json.step,
    slots: unpackArrays(json.index, data.slice(), 'test'),
  };
}

test('a restored optimizer continues bit-identically to an uninterrupted one', async () => {
  const makers: [string, (g: ParamGroup[]) => GroupOptimizer][] = [
    ['sgd', (g) => new SGD(g, { momentum: 0.9, nesterov: true })],
    ['adamw', (g) => new AdamW(g)],
  ];
  for (const [name, make] of makers) {
    const pb = problem(21, true);
    // Uninterrupted.
    const a = makeVars(pb.init);
    const optA = make(makeGroups(a, 0.01));
    runSteps(optA, a, pb.grads, 0, STEPS);
    // Interrupted after 5 steps (variable 3 has no state yet then: tests partial state too)...
    const b = makeVars(pb.init);
    const optB = make(makeGroups(b, 0.01));
    runSteps(optB, b, pb.grads, 0, 3);
    const state = throughDisk(await optB.getState());
    const weights = b.map((v) => Float32Array.from(v.dataSync()));
    optB.dispose();
    tf.dispose(b);
    // ...and resumed into fresh variables with other names, as a rebuilt model would have.
    const c = weights.map((w, j) => tf.variable(tf.tensor(w, SHAPES[j])));
    assert.notEqual(c[0].name, a[0].name);
    const optC = make(makeGroups(c, 0.01));
    optC.setState(state);
    assert.equal(optC.stepCount, 3);
    runSteps(optC, c, pb.grads, 3, 6);
    // A second save/restore, now with every slot present.
    const state2 = throughDisk(await optC.getState());
    const optD = make(makeGroups(c, 0.01));
    optD.setState(state2);
    optC.dispose();
    runSteps(optD, c, pb.grads, 6, STEPS);
    assert.equal(optD.stepCount, STEPS);
    a.forEach((v, j) => {
      assert.deepEqual(
        c[j].dataSync(),
        v.dataSync(),
        `${name}: variable ${j} differs after resume`,
      );
    });
    optA.dispose();
    optD.dispose();
    tf.dispose([...a, ...c]);
  }
});

test('setState refuses state that does not fit', async () => {
  const pb = problem(5, false);
  const vars = makeVars(pb.init);
  const opt = new AdamW(makeGroups(vars, 0));
  runSteps(opt, vars, pb.grads, 0, 2);
  const state = await opt.getState();
  assert.throws(() => new SGD(makeGroups(vars, 0)).setState(state), VisiontuneError);
  // Same variables in another order: shapes no longer line up by position.
  const swapped: ParamGroup[] = [
    { name: 'x', variables: [vars[1], vars[0], vars[2], vars[3]], lrMult: 1, weightDecay: 0 },
  ];
  assert.throws(() => new AdamW(swapped).setState(state), /shape/);
  const fewer: ParamGroup[] = [{ name: 'x', variables: [vars[0]], lrMult: 1, weightDecay: 0 }];
  assert.throws(() => new AdamW(fewer).setState(state), /no variable/);
  opt.dispose();
  tf.dispose(vars);
});

// ---- Memory, argument checks, groups ----

test('steps, getState and setState leak no tensors', async () => {
  for (const make of [
    (g: ParamGroup[]) => new SGD(g, { momentum: 0.9, nesterov: true }),
    (g: ParamGroup[]) => new AdamW(g),
  ]) {
    const pb = problem(9, false);
    const vars = makeVars(pb.init);
    const before = tf.memory().numTensors;
    const opt = make(makeGroups(vars, 0.01));
    runSteps(opt, vars, pb.grads, 0, 1);
    const afterFirst = tf.memory().numTensors;
    runSteps(opt, vars, pb.grads, 1, STEPS);
    assert.equal(tf.memory().numTensors, afterFirst, 'steps leak');
    const state = await opt.getState();
    opt.setState(state);
    assert.equal(tf.memory().numTensors, afterFirst, 'getState/setState leak');
    opt.dispose();
    assert.equal(tf.memory().numTensors, before, 'dispose leaves slots behind');
    tf.dispose(vars);
  }
});

test('step rejects gradients the optimizer does not own, or of the wrong shape', () => {
  const vars = makeVars(problem(3, false).init);
  const opt = new SGD(makeGroups(vars.slice(0, 2).concat(vars.slice(2)), 0));
  const stranger = tf.variable(tf.zeros([2]));
  assert.throws(() => opt.step({ [stranger.name]: tf.zeros([2]) }, 0.1), /no parameter group/);
  assert.throws(() => opt.step({ [vars[0].name]: tf.zeros([4, 3]) }, 0.1), /shape/);
  assert.equal(opt.stepCount, 0);
  assert.throws(() => new SGD(makeGroups(vars, 0), { nesterov: true }), VisiontuneError);
  const dup: ParamGroup[] = [
    { name: 'a', variables: [vars[0]], lrMult: 1, weightDecay: 0 },
    { name: 'b', variables: [vars[0]], lrMult: 1, weightDecay: 0 },
  ];
  assert.throws(() => new AdamW(dup), /in groups a and b/);
  opt.dispose();
  tf.dispose([...vars, stranger]);
});

test('setGroups keeps the state of variables that stay and drops the rest', async () => {
  const pb = problem(11, false);
  const vars = makeVars(pb.init);
  const opt = new AdamW([{ name: 'head', variables: vars.slice(0, 2), lrMult: 1, weightDecay: 0 }]);
  runSteps(
    opt,
    vars,
    pb.grads.map((g) => [g[0], g[1], null, null]),
    0,
    3,
  );
  const headState = await opt.getState();
  opt.setGroups([
    { name: 'backbone', variables: vars.slice(2), lrMult: 0.1, weightDecay: 0 },
    { name: 'head', variables: [vars[0]], lrMult: 1, weightDecay: 0 },
  ]);
  const state = await opt.getState();
  // vars[0] is now at position 2; its moments and step count came along, vars[1]'s are gone.
  assert.deepEqual(
    Object.keys(state.slots).sort(),
    ['2:', '2:', '2:'].map((p, i) => `${p}${vars[0].name}/${['exp_avg', 'exp_avg_sq', 'step'][i]}`),
  );
  assert.deepEqual(
    state.slots[`2:${vars[0].name}/exp_avg`],
    headState.slots[`0:${vars[0].name}/exp_avg`],
  );
  opt.dispose();
  tf.dispose(vars);
});
