import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initEngine } from '../../engine/index.js';
import { VisiontuneError } from '../../errors.js';
import { resolveFewShotConfig } from './config.js';
import { FEWSHOT_METHODS } from './learner.js';
import { runFewShot } from './run.js';

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
  for (const m of result.methods) {
    assert.deepEqual(
      m.results.map((r) => [r.shots, r.n]),
      [
        [1, 6],
        [2, 6],
      ],
      m.method,
    );
  }
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
