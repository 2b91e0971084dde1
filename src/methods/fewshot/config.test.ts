// The few-shot configuration: its defaults, method names as typed (one, a list, 'all'), and
// first/second order left unset unless asked.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, VisiontuneError } from '../../errors.js';
import { parseMethod, parseMethods, resolveFewShotConfig } from './config.js';
import { FEWSHOT_METHODS } from './methods/index.js';

test('few-shot defaults and precedence', () => {
  const config = resolveFewShotConfig({ data: 'fashion-mnist' });
  assert.deepEqual(config.methods, ['centroid']);
  assert.deepEqual(config.shots, [1, 5]);
  assert.deepEqual(config.trainShots, [1, 5]);
  assert.equal(config.firstOrder, undefined);
  assert.equal(config.pretrained, true);
  assert.equal(config.out, 'runs/fewshot');
  const later = resolveFewShotConfig({ data: 'a', methods: ['maml'] }, { methods: ['anil'] });
  assert.deepEqual(later.methods, ['anil']);
  assert.throws(() => resolveFewShotConfig({ data: 'a', methods: ['nope'] }), ConfigError);
});

test('method names as typed: one, a comma list, or all; anything else names itself', () => {
  assert.equal(parseMethod('maml'), 'maml');
  assert.deepEqual(parseMethods('centroid, protonet'), ['centroid', 'protonet']);
  assert.deepEqual(parseMethods('all'), [...FEWSHOT_METHODS]);
  assert.throws(
    () => parseMethods('centroid,matching-nets'),
    (err) => err instanceof VisiontuneError && /unknown method 'matching-nets'/.test(err.message),
  );
});
