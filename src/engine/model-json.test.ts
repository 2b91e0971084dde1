import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VisiontuneError } from '../errors.js';
import { groupBytes, parseModelJson, weightBytes } from './model-json.js';

const spec = (over: Record<string, unknown> = {}) => ({
  name: 'dense/kernel',
  shape: [4, 2],
  dtype: 'float32',
  ...over,
});
const doc = (weights: unknown[], paths = ['w.bin']) => ({
  modelTopology: { class_name: 'Sequential', config: {} },
  weightsManifest: [{ paths, weights }],
});

/** Asserts a BAD_INPUT whose message and details mention every text. */
function refuses(run: () => unknown, ...texts: string[]) {
  assert.throws(run, (err: unknown) => {
    assert.ok(err instanceof VisiontuneError && err.exitCode === 2, String(err));
    const all = [err.message, ...err.details].join('\n');
    for (const t of texts) assert.ok(all.includes(t), `'${t}' not in: ${all}`);
    return true;
  });
}

test('a valid model.json parses, keeping fields the schema does not name', () => {
  const json = parseModelJson({ ...doc([spec({ group: 'model' })]), format: 'layers-model' }, 'm');
  assert.equal(json.format, 'layers-model');
  assert.equal(json.weightsManifest?.[0]?.weights[0]?.group, 'model');
});

test('a malformed model.json is refused naming the file and the field', () => {
  refuses(
    () => parseModelJson({ weightsManifest: [] }, 'b/model.json'),
    'b/model.json',
    'modelTopology',
  );
  refuses(
    () => parseModelJson({ ...doc([]), weightsManifest: { paths: [] } }, 'm.json'),
    'weightsManifest',
    'expected array',
  );
  refuses(
    () => parseModelJson(doc([spec({ dtype: 'float99' })]), 'm.json'),
    'weightsManifest[0].weights[0].dtype',
  );
  refuses(() => parseModelJson(doc([spec({ shape: [4, -2] })]), 'm.json'), 'weights[0].shape[1]');
  refuses(() => parseModelJson(doc([spec({ shape: [1.5] })]), 'm.json'), 'weights[0].shape[0]');
  refuses(() => parseModelJson(doc([spec()], [42 as unknown as string]), 'm.json'), 'paths[0]');
  refuses(
    () => parseModelJson(doc([spec({ quantization: { dtype: 'uint8' } })]), 'm.json'),
    'quantization',
    'scale and min',
  );
  refuses(
    () =>
      parseModelJson(doc([spec({ dtype: 'int32', quantization: { dtype: 'float16' } })]), 'm.json'),
    'float16 cannot store int32',
  );
});

test('weight bytes follow the stored dtype, and an impossible shape is refused', () => {
  const parse = (s: Record<string, unknown>) => parseModelJson(doc([s]), 'm').weightsManifest![0]!;
  assert.equal(groupBytes(parse(spec()), 'm'), 32);
  assert.equal(groupBytes(parse(spec({ shape: [] })), 'm'), 4);
  assert.equal(
    groupBytes(parse(spec({ quantization: { dtype: 'uint8', scale: 1, min: 0 } })), 'm'),
    8,
  );
  assert.equal(groupBytes(parse(spec({ quantization: { dtype: 'float16' } })), 'm'), 16);
  const huge = parse(spec({ shape: [1e6, 1e6, 1e6, 4] })).weights[0]!;
  refuses(
    () => weightBytes(huge, 'b/model.json'),
    'b/model.json',
    'dense/kernel',
    'impossible shape',
  );
});
