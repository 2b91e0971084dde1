// resolvePruneConfig: the defaults pruning fine-tunes with and the rule that unlabelled images
// need distill, as a ConfigError naming both fields.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../../errors.js';
import { resolvePruneConfig } from './config.js';

const BASE = { model: 'runs/x', data: 'fashion-mnist' };

test('pruning defaults, and steps is a field like any other', () => {
  const config = resolvePruneConfig(BASE);
  assert.equal(config.method, 'channels');
  assert.equal(config.steps, 5);
  assert.equal(config.lr, 3e-4);
  assert.equal(config.epochs, 5);
  assert.equal(config.out, 'runs/prune');
  assert.equal(config.freezeBn, true);
  assert.equal(resolvePruneConfig(BASE, { steps: 2 }).steps, 2);
  assert.throws(() => resolvePruneConfig(BASE, { steps: 0 }), ConfigError);
});

test('unlabeled images without distill name both fields', () => {
  assert.throws(
    () => resolvePruneConfig(BASE, { unlabeled: 'fashion-mnist' }),
    (err) =>
      err instanceof ConfigError &&
      err.problems.flatMap((p) => p.fields).join() === 'unlabeled,distill',
  );
  assert.equal(resolvePruneConfig(BASE, { unlabeled: 'x', distill: true }).unlabeled, 'x');
});
