// The converter table: the importer supports exactly its operators, refuses every other one in a
// single error naming each type and node (exit 2), and each operator has a test of its own.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { exitCodeOf, type VisiontuneError } from '../../../errors.js';
import { SUPPORTED_OPS } from '../convert.js';
import { convertBytes, graphModel } from '../test-graph.js';
import { OP_CONVERTERS } from './index.js';

test('unsupported operators are refused together, by type and node name, before any is converted', () => {
  const bytes = graphModel(
    [1, 3, 8, 8],
    [
      { opType: 'LRN', inputs: ['x'], outputs: ['a'], name: 'norm' },
      { opType: 'Relu', inputs: ['a'], outputs: ['b'] },
      { opType: 'LRN', inputs: ['b'], outputs: ['c'], name: 'norm2' },
      { opType: 'TopK', inputs: ['c'], outputs: ['y'], name: 'top' },
    ],
  );
  assert.throws(
    () => convertBytes(bytes),
    (err: VisiontuneError) => {
      assert.match(err.message, /unsupported ONNX operators: LRN, TopK$/);
      assert.deepEqual(err.details, ['LRN (node norm)', 'LRN (node norm2)', 'TopK (node top)']);
      assert.equal(exitCodeOf(err), 2);
      return true;
    },
  );
  // Names of Object.prototype are not operators.
  const proto = graphModel([1, 3, 8, 8], [{ opType: 'toString', inputs: ['x'], outputs: ['y'] }]);
  assert.throws(() => convertBytes(proto), /unsupported ONNX operators: toString/);
});

test('the supported list is the table, and every operator in it has a family test', () => {
  assert.deepEqual([...SUPPORTED_OPS].sort(), [...OP_CONVERTERS.keys()].sort());
  // The family tests here and the older ones beside convert.ts.
  const sources = [new URL('.', import.meta.url), new URL('..', import.meta.url)].flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.test.ts') && f !== 'index.test.ts')
      .map((f) => readFileSync(new URL(f, dir), 'utf8')),
  );
  const tests = sources.join('\n');
  const untested = SUPPORTED_OPS.filter((op) => !new RegExp(`\\b${op}\\b`).test(tests));
  assert.deepEqual(untested, []);
});
