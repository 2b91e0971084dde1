// resolveDistillConfig: the defaults distillation trains with, the precedence of layers, and the
// rules across fields as ConfigErrors that name the fields (the CLI adds their flags).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../../errors.js';
import { resolveDistillConfig } from './config.js';

const BASE = { teacher: 'runs/teacher', data: 'fashion-mnist' };

/** Passes for a ConfigError about exactly these fields. */
const naming = (fields: string[]) => (err: unknown) =>
  err instanceof ConfigError &&
  JSON.stringify(err.problems.flatMap((p) => p.fields)) === JSON.stringify(fields);

test('distillation defaults, and later layers win', () => {
  const config = resolveDistillConfig(BASE);
  assert.equal(config.student, 'mobilenet_v2_035');
  assert.equal(config.lr, 3e-3);
  assert.equal(config.epochs, 10);
  assert.equal(config.out, 'runs/distill');
  assert.equal(config.temperature, 4);
  assert.equal(config.alpha, 0.9);
  assert.equal(config.pretrained, undefined);
  assert.equal(resolveDistillConfig(BASE, { lr: 1e-2 }, { lr: 5e-3 }).lr, 5e-3);
});

test('a hint needs both layers; unlabeled images need alpha > 0; unknown fields are named', () => {
  assert.throws(
    () => resolveDistillConfig(BASE, { hintStudent: 'block_6' }),
    naming(['hintTeacher', 'hintStudent']),
  );
  assert.throws(
    () => resolveDistillConfig(BASE, { alpha: 0, unlabeled: 'fashion-mnist' }),
    naming(['unlabeled', 'alpha']),
  );
  assert.throws(() => resolveDistillConfig(BASE, { steps: 3 }), naming(['steps']));
  const both = resolveDistillConfig(BASE, { hintTeacher: 'relu1', hintStudent: 'block_6' });
  assert.equal(both.hintWeight, 1);
});
