import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { overridesOf } from './bundle-overrides.js';
import { opt, optionMetaOf } from './options.js';

test('overridesOf: same type and range, optional without the default, help says the fallback', () => {
  const fields = {
    size: opt(z.number().int().min(1).default(8), 'windows per pass', { arg: 'n' }),
    mode: opt(z.enum(['a', 'b']).default('a'), 'mode'),
  };
  const overrides = overridesOf(fields, "the bundle's");
  const schema = z.object(overrides);
  assert.deepEqual(schema.parse({}), {});
  assert.deepEqual(schema.parse({ size: 3, mode: 'b' }), { size: 3, mode: 'b' });
  assert.equal(schema.safeParse({ size: 0 }).success, false);
  assert.equal(schema.safeParse({ mode: 'c' }).success, false);
  assert.deepEqual(optionMetaOf(overrides.size, 'size'), {
    description: "windows per pass (default: the bundle's)",
    arg: 'n',
  });
});
