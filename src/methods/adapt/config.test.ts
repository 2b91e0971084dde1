import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VisiontuneError } from '../../errors.js';
import { resolveAdaptConfig } from './config.js';

const usageError = (pattern: RegExp) => (err: unknown) =>
  err instanceof VisiontuneError && err.exitCode === 2 && pattern.test(err.message);

test('defaults, precedence (later layers win, undefined never overrides) and paper defaults', () => {
  const c = resolveAdaptConfig(
    { source: 's', target: 't', epochs: 3, tradeoff: 0.5 },
    { epochs: 7, tradeoff: undefined },
  );
  assert.equal(c.epochs, 7);
  assert.equal(c.tradeoff, 0.5);
  assert.equal(c.method, 'dann');
  assert.equal(c.threshold, 0.95); // FixMatch
  assert.equal(c.discriminatorHidden, 1024); // DANN / CDAN
  assert.equal(c.selection, 'source-val');
});

test('bad configurations are usage errors naming the field', () => {
  assert.throws(() => resolveAdaptConfig({ target: 't' }), usageError(/source/));
  assert.throws(
    () => resolveAdaptConfig({ source: 's', target: 't', method: 'magic' }),
    usageError(/method/),
  );
  assert.throws(
    () => resolveAdaptConfig({ source: 's', target: 't', lernrate: 1 }),
    usageError(/lernrate/),
  );
  assert.throws(
    () => resolveAdaptConfig({ source: 's', target: 't', val: 0 }),
    usageError(/source-val needs source validation/),
  );
  assert.throws(
    () =>
      resolveAdaptConfig({ source: 's', target: 't', selection: 'target-entropy', targetVal: 0 }),
    usageError(/held-out target/),
  );
});
