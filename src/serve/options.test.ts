import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../errors.js';
import { isLoopback, modelEntries, resolveServeOptions } from './options.js';

test('loopback addresses are told from the others', () => {
  for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', 'LOCALHOST'])
    assert.equal(isLoopback(host), true, host);
  for (const host of [
    '0.0.0.0',
    '::',
    '192.168.1.4',
    '10.0.0.1',
    'example.com',
    '127.0.0.1.example.com',
  ])
    assert.equal(isLoopback(host), false, host);
});

test('models are NAME=BUNDLE, each name once', () => {
  assert.deepEqual(modelEntries({ model: ['a=x/y', 'b.2=C:\\m=1'] }), [
    { name: 'a', location: 'x/y' },
    { name: 'b.2', location: 'C:\\m=1' },
  ]);
  assert.throws(() => resolveServeOptions({ model: ['a=x', 'a=y'] }, {}), /'a' is given twice/);
  assert.throws(() => resolveServeOptions({ model: ['no-equals'] }, {}), /NAME=BUNDLE/);
  assert.throws(() => resolveServeOptions({ model: [] }, {}), /at least one --model/);
});

test('a non-loopback host needs an API key, from the options or VISIONTUNE_API_KEY', () => {
  const key = 'k'.repeat(20);
  assert.throws(
    () => resolveServeOptions({ model: ['a=x'], host: '0.0.0.0' }, {}),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /host: 0\.0\.0\.0 is not a loopback address/);
      return true;
    },
  );
  assert.equal(
    resolveServeOptions({ model: ['a=x'], host: '0.0.0.0', apiKey: key }, {}).apiKey,
    key,
  );
  const fromEnv = resolveServeOptions(
    { model: ['a=x'], host: '0.0.0.0' },
    { VISIONTUNE_API_KEY: key },
  );
  assert.equal(fromEnv.apiKey, key);
  // A key given as an option wins over the environment's; a short key is refused.
  const other = 'o'.repeat(20);
  assert.equal(
    resolveServeOptions({ model: ['a=x'], apiKey: other }, { VISIONTUNE_API_KEY: key }).apiKey,
    other,
  );
  assert.throws(
    () => resolveServeOptions({ model: ['a=x'], apiKey: 'short' }, {}),
    /16 characters/,
  );
  assert.equal(resolveServeOptions({ model: ['a=x'] }, {}).host, '127.0.0.1');
});
