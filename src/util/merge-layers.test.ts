import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { mergeLayers, parseLayers } from './merge-layers.js';

const schema = z.object({
  dtype: z.enum(['uint8', 'float16']),
  epochs: z.number().int().positive().default(10),
  weights: z.array(z.number().nonnegative()).optional(),
});

const problems = (layers: Record<string, unknown>[]) => {
  try {
    parseLayers(schema, 'test', layers);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems.map((p) => `${p.fields.join(',')}: ${p.message}`);
  }
  assert.fail('expected a ConfigError');
};

test('later layers win and an undefined value never overrides', () => {
  assert.deepEqual(mergeLayers({ a: 1, b: 2 }, { a: undefined, b: 3 }, undefined), { a: 1, b: 3 });
  const config = parseLayers(schema, 'test', [
    { dtype: 'uint8', epochs: 4 },
    { epochs: undefined },
  ]);
  assert.deepEqual(config, { dtype: 'uint8', epochs: 4 });
});

test('problems name their fields: a missing field is required, whatever its type', () => {
  assert.deepEqual(problems([{}]), ['dtype: required']);
  assert.match(problems([{ dtype: 'int4' }])[0], /^dtype: /);
  assert.doesNotMatch(problems([{ dtype: 'int4' }])[0], /required/);
  assert.deepEqual(problems([{ dtype: 'uint8', colour: 1, size: 2 }]), [
    'colour,size: unknown field',
  ]);
  assert.match(problems([{ dtype: 'uint8', weights: [1, -2] }])[0], /^weights\.1: /);
});
