// The train form and the compare page's logic (studio-ui/src/lib/option-form.ts,
// config-diff.ts, run-options.ts): fields to values, values to run options, config diffs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OptionField } from '../../../src/studio/api-types.js';
import { diffConfigs } from './config-diff.js';
import {
  collectOptions,
  commandsFor,
  groupFields,
  initialTexts,
  parseField,
} from './option-form.js';
import { keyOptions } from './run-options.js';

const field = (f: Partial<OptionField> & Pick<OptionField, 'name' | 'kind'>): OptionField => ({
  flag: `--${f.name}`,
  description: '',
  common: false,
  ...f,
});

const fields: OptionField[] = [
  field({ name: 'epochs', kind: 'integer', default: 10, minimum: 1, maximum: 1000, common: true }),
  field({
    name: 'backbone',
    kind: 'enum',
    choices: ['mobilenet_v2', 'resnet_tiny'],
    default: 'mobilenet_v2',
    common: true,
  }),
  field({ name: 'learningRate', kind: 'number', default: 0.001 }),
  field({ name: 'augment', kind: 'boolean', default: true }),
  field({ name: 'unfreeze', kind: 'number-or-enum', choices: ['all', 'auto'], default: 'auto' }),
  field({ name: 'layers', kind: 'list', default: [64, 32] }),
];

test('common fields first, defaults as the starting text', () => {
  const { common, more } = groupFields(fields);
  assert.deepEqual(
    common.map((f) => f.name),
    ['epochs', 'backbone'],
  );
  assert.equal(more.length, 4);
  assert.deepEqual(initialTexts(fields), {
    epochs: '10',
    backbone: 'mobilenet_v2',
    learningRate: '0.001',
    augment: 'true',
    unfreeze: 'auto',
    layers: '64, 32',
  });
});

test('only changed fields are sent, typed by their kind', () => {
  const texts = {
    ...initialTexts(fields),
    epochs: '3',
    augment: 'false',
    unfreeze: '4',
    layers: '128',
  };
  assert.deepEqual(collectOptions(fields, texts), {
    options: { epochs: 3, augment: false, unfreeze: 4, layers: [128] },
  });
  assert.deepEqual(collectOptions(fields, initialTexts(fields)), { options: {} });
});

test('bad values are refused with the field name and the reason', () => {
  const epochs = fields[0]!;
  assert.deepEqual(parseField(epochs, '0'), { error: 'epochs: at least 1' });
  assert.deepEqual(parseField(epochs, '2.5'), { error: 'epochs: a whole number, not 2.5' });
  assert.deepEqual(parseField(epochs, 'many'), { error: 'epochs: a number, not "many"' });
  assert.deepEqual(parseField(fields[1]!, 'vgg'), {
    error: 'backbone: one of mobilenet_v2, resnet_tiny',
  });
  assert.deepEqual(parseField(fields[4]!, 'all'), { value: 'all' });
  assert.deepEqual(parseField(epochs, ' '), { unset: true });
  const result = collectOptions(fields, {
    ...initialTexts(fields),
    epochs: '0',
    learningRate: 'x',
  });
  assert.ok('errors' in result && result.errors.length === 2);
});

test('the commands offered follow the task; adapt only with target photos', () => {
  const names = (task: 'classification' | 'detection' | 'segmentation', targetImages = 0) =>
    commandsFor({ task, targetImages }).map((c) => c.command);
  assert.deepEqual(names('classification'), ['train', 'fewshot-fit']);
  assert.deepEqual(names('classification', 3), ['train', 'fewshot-fit', 'adapt']);
  assert.deepEqual(names('detection'), ['detect-train']);
  assert.deepEqual(names('segmentation'), ['segment-train']);
});

test('config diff: union of fields, differing ones marked', () => {
  const rows = diffConfigs(
    { epochs: 5, backbone: 'a', aug: { flip: true } },
    { epochs: 5, backbone: 'b', seed: 1, aug: { flip: true } },
  );
  assert.deepEqual(rows, [
    { key: 'aug', a: '{"flip":true}', b: '{"flip":true}', differs: false },
    { key: 'backbone', a: 'a', b: 'b', differs: true },
    { key: 'epochs', a: '5', b: '5', differs: false },
    { key: 'seed', a: '—', b: '1', differs: true },
  ]);
  assert.deepEqual(
    diffConfigs({ x: 1 }, { x: 1, y: 2 }, true).map((r) => r.key),
    ['y'],
  );
});

test('key options of a run config in a fixed order', () => {
  assert.deepEqual(keyOptions({ epochs: 3, seed: 1, backbone: 'resnet_tiny' }), [
    ['backbone', 'resnet_tiny'],
    ['epochs', '3'],
  ]);
  assert.deepEqual(keyOptions(undefined), []);
});
