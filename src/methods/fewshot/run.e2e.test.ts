import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, test } from 'node:test';
import { initEngine } from '../../engine/index.js';
import { VisiontuneError } from '../../errors.js';
import { resolveFewShotConfig } from './config.js';
import { FEWSHOT_METHODS } from './methods/index.js';
import { type MethodResult, runFewShot } from './run.js';

before(async () => {
  await initEngine({ backend: 'auto' });
});

const tiny = {
  data: 'fashion-mnist',
  backbone: 'resnet_tiny',
  pretrained: false,
  imageSize: 32,
  unfreeze: 2,
  maxPerClass: 20,
  shots: [1, 2],
  queries: 4,
  episodes: 6,
  metaSteps: 2,
  metaBatch: 2,
  evalEvery: 1,
  valEpisodes: 3,
  headSteps: 3,
  innerSteps: 1,
  testInnerSteps: 2,
  seed: 3,
  // Meta-training checkpoints go here, not into the working folder.
  out: await fs.mkdtemp(path.join(os.tmpdir(), 'vt-fewshot-run-')),
};

test('every method runs on the same fixed episodes; meta-learners report their untrained start and a learning curve', async () => {
  // Default class split of ten classes: 6 meta-train, 2 meta-val, 2 meta-test; 2-way episodes.
  const config = resolveFewShotConfig(tiny, { methods: [...FEWSHOT_METHODS], ways: 2 });
  const result = await runFewShot(config);
  const { train, val, test: testPool } = result.pools;
  const names = [train!, val!, testPool].map((p) => new Set(p.names));
  assert.deepEqual(
    names.map((n) => n.size),
    [6, 2, 2],
  );
  for (const a of names)
    for (const b of names) if (a !== b) for (const c of a) assert.ok(!b.has(c));
  // --embedding-layer auto (the default) chose on the 120 meta-train images (6 classes × 20).
  assert.equal(result.network.layerChoice?.images, train!.samples.length);
  assert.equal(result.network.layer, result.network.layerChoice?.layer);
  assert.match(result.network.layerNote!, /chosen by LogME .* on 120 training images/);
  assert.deepEqual(
    result.methods.map((m) => m.method),
    [...FEWSHOT_METHODS],
  );
  for (const m of result.methods) {
    assert.deepEqual(
      m.results.map((r) => [r.shots, r.n]),
      [
        [1, 6],
        [2, 6],
      ],
      m.method,
    );
    for (const r of m.results) assert.ok(r.mean >= 0 && r.mean <= 1, m.method);
    const meta = !['centroid', 'finetune-head'].includes(m.method);
    assert.equal(m.untrained !== undefined, meta, m.method);
    assert.equal(m.history.length, meta ? 2 : 0, m.method);
    if (meta)
      assert.ok(
        m.history.every((h) => h.valAccuracy !== undefined),
        m.method,
      );
    // MAML and ANIL start each task's head at its support prototypes unless told otherwise.
    if (m.method === 'maml' || m.method === 'anil')
      assert.equal(m.settings.headInit, 'prototypes', m.method);
  }
});

test('the same configuration gives the same numbers', async () => {
  const config = resolveFewShotConfig(tiny, {
    methods: ['centroid', 'protonet'],
    trainClasses: '0-4',
    testClasses: '5-9',
  });
  const [a, b] = [await runFewShot(config), await runFewShot(config)];
  const numbers = (r: typeof a) => r.methods.map((m) => [m.results, m.untrained]);
  assert.deepEqual(numbers(a), numbers(b));
});

test('training-free methods evaluate with every class a test class; meta-learners still need meta-train classes', async () => {
  const config = resolveFewShotConfig(tiny, {
    methods: ['centroid', 'finetune-head'],
    ways: 3,
    testClasses: '0-9',
  });
  const result = await runFewShot(config);
  assert.equal(result.pools.train, undefined);
  assert.equal(result.pools.test.names.length, 10);
  // No meta-train classes: auto keeps the backbone's layer rather than look at test classes.
  assert.equal(result.network.layer, 'stage4_out');
  assert.match(result.network.layerNote!, /fell back .*no meta-train classes/);
  assert.deepEqual(
    result.methods.map((m) => [m.method, m.results.map((r) => r.n)]),
    [
      ['centroid', [6, 6]],
      ['finetune-head', [6, 6]],
    ],
  );
  await assert.rejects(
    runFewShot(
      resolveFewShotConfig(tiny, { methods: ['centroid', 'protonet'], testClasses: '0-9' }),
    ),
    (err: unknown) => {
      assert.ok(err instanceof VisiontuneError);
      assert.match(err.message, /no meta-train classes left .*trainClasses.*protonet meta-trains/);
      return true;
    },
  );
});

/** A method's numbers and final body weights, to compare runs (timings left out). */
async function runCapturingWeights(
  config: ReturnType<typeof resolveFewShotConfig>,
  status: (line: string) => void = () => {},
) {
  const weights = new Map<string, number[][]>();
  const result = await runFewShot(config, {
    status,
    onTrained: async (network, m) => {
      weights.set(
        m.method,
        network.full.getWeights().map((w) => Array.from(w.dataSync())),
      );
    },
  });
  const numbers = (m: MethodResult) => ({
    results: m.results,
    untrained: m.untrained,
    bestStep: m.bestStep,
    history: m.history.map(({ seconds: _, ...rest }) => rest),
  });
  return { result, weights, numbers: result.methods.map(numbers) };
}

test('resume continues an interrupted meta-training exactly where its checkpoint left it', async () => {
  const settings = {
    ...tiny,
    methods: ['protonet', 'maml', 'anil', 'reptile'] as const,
    metaSteps: 4,
    evalEvery: 2,
    ways: 2,
    trainClasses: '0-4',
    valClasses: '5-6',
    testClasses: '7-9',
  };
  const whole = await runCapturingWeights(
    resolveFewShotConfig(settings, { out: await fs.mkdtemp(path.join(os.tmpdir(), 'vt-fs-a-')) }),
  );

  // Killed after anil's step-2 checkpoint: protonet and maml finished, reptile never started.
  const out = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-fs-b-'));
  const crash = (line: string) => {
    if (line.startsWith('anil step 2:')) throw new Error('simulated crash');
  };
  await assert.rejects(
    runCapturingWeights(resolveFewShotConfig(settings, { out }), crash),
    /simulated crash/,
  );
  const lines: string[] = [];
  const resumed = await runCapturingWeights(
    resolveFewShotConfig(settings, { out, resume: true }),
    (line) => lines.push(line),
  );
  const steps = lines.filter((l) => / step \d+:/.test(l)).map((l) => l.split(':')[0]);
  assert.deepEqual(steps, ['anil step 4', 'reptile step 2', 'reptile step 4']);

  for (const [i, a] of whole.numbers.entries()) {
    const b = resumed.numbers[i]!;
    const method = settings.methods[i];
    assert.deepEqual(b.results, a.results, method);
    assert.deepEqual(b.untrained, a.untrained, method);
    assert.equal(b.bestStep, a.bestStep, method);
    assert.equal(b.history.length, a.history.length, method);
    for (const [k, ra] of a.history.entries()) {
      const rb = b.history[k]!;
      assert.deepEqual(Object.keys(rb), Object.keys(ra), method);
      for (const key of Object.keys(ra) as (keyof typeof ra)[])
        assert.ok(Math.abs(ra[key]! - rb[key]!) < 1e-5, `${method} step ${ra.step} ${key}`);
    }
    const wa = whole.weights.get(method)!;
    const wb = resumed.weights.get(method)!;
    for (const [k, w] of wa.entries())
      assert.ok(
        w.every((v, j) => Math.abs(v - wb[k]![j]!) < 1e-5),
        `${method} weight ${k}`,
      );
  }
  const log = await fs.readFile(path.join(out, 'meta-train', 'anil', 'metrics.jsonl'), 'utf8');
  assert.deepEqual(
    log
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).step),
    [2, 4],
  );
});
