// Every library entry point validates its own input through its configuration schema before it
// reads anything: a bad field is a VisiontuneError naming that field (the data path does not
// exist, so an error from reading data would name the path instead), and resolving an already
// resolved configuration changes nothing (the CLI resolves first, then calls).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VisiontuneError } from '../errors.js';
import { adapt } from './adapt/adapt.js';
import { resolveAdaptConfig } from './adapt/config.js';
import { resolveTrainConfig } from './classification/config.js';
import { train } from './classification/train.js';
import { resolveDistillConfig } from './compress/distill/config.js';
import { distill } from './compress/distill/distill.js';
import { resolvePruneConfig } from './compress/prune/config.js';
import { prune } from './compress/prune/prune.js';
import { resolveDetectConfig } from './detection/config.js';
import { trainDetector } from './detection/train.js';
import { resolveFewShotConfig } from './fewshot/config.js';
import { runFewShot } from './fewshot/run.js';
import { resolveSegmentConfig } from './segmentation/config.js';
import { trainSegmenter } from './segmentation/train.js';

const missing = '/nonexistent/visiontune-data';

interface EntryPoint {
  name: string;
  // biome-ignore lint/suspicious/noExplicitAny: each entry point takes its own input type
  run: (input: any) => Promise<unknown>;
  resolve: (input: Record<string, unknown>) => unknown;
  /** A valid input, as small as the schema allows. */
  valid: Record<string, unknown>;
  /** The field made invalid, and its bad value. */
  bad: [string, unknown];
}

const ENTRY_POINTS: EntryPoint[] = [
  {
    name: 'train',
    run: train,
    resolve: resolveTrainConfig,
    valid: { data: missing, strategy: 'finetune', mixup: 0.2 },
    bad: ['strategy', 'nope'],
  },
  {
    name: 'adapt',
    run: adapt,
    resolve: resolveAdaptConfig,
    valid: { source: missing, target: missing },
    bad: ['method', 'nope'],
  },
  {
    name: 'trainDetector',
    run: trainDetector,
    resolve: resolveDetectConfig,
    valid: { data: missing, scale: [0.5, 1.5] },
    bad: ['imageSize', 100],
  },
  {
    name: 'trainSegmenter',
    run: trainSegmenter,
    resolve: resolveSegmentConfig,
    valid: { data: missing },
    bad: ['decoder', 'nope'],
  },
  {
    name: 'distill',
    run: distill,
    resolve: resolveDistillConfig,
    valid: { data: missing, teacher: missing },
    bad: ['temperature', -1],
  },
  {
    name: 'prune',
    run: prune,
    resolve: resolvePruneConfig,
    valid: { data: missing, model: missing },
    bad: ['amount', 1.5],
  },
  {
    name: 'runFewShot',
    run: runFewShot,
    resolve: resolveFewShotConfig,
    valid: { data: missing, methods: ['maml'] },
    bad: ['firstOrder', 'yes'],
  },
];

for (const entry of ENTRY_POINTS) {
  const [field, value] = entry.bad;
  test(`${entry.name}: a bad ${field} rejects naming the field, before any data is read`, async () => {
    await assert.rejects(
      entry.run({ ...entry.valid, [field]: value }),
      (err: unknown) =>
        err instanceof VisiontuneError &&
        err.exitCode === 2 &&
        new RegExp(`\\b${field}\\b`).test(err.message) &&
        !err.message.includes(missing),
    );
  });

  test(`${entry.name}: resolving a resolved configuration changes nothing`, () => {
    const once = entry.resolve(entry.valid);
    assert.deepEqual(entry.resolve(once as Record<string, unknown>), once);
  });
}

test('an unknown field is refused by name', async () => {
  await assert.rejects(
    train({ data: missing, colour: 'red' } as never),
    (err: unknown) => err instanceof VisiontuneError && /colour/.test(err.message),
  );
});

test('an option the chosen strategy ignores is refused by its field name, not a flag', async () => {
  await assert.rejects(
    train({ data: missing, strategy: 'linear', mixup: 0.2 }),
    (err: unknown) =>
      err instanceof VisiontuneError &&
      /\bmixup\b/.test(err.message) &&
      !err.message.includes('--'),
  );
});
