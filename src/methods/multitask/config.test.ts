import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../errors.js';
import { resolveMultiTaskConfig } from './config.js';
import { parseTaskFlag } from './task-spec.js';

test('--task text: name, kind, data (which may hold colons) and key=value options', () => {
  assert.deepEqual(parseTaskFlag('cls:classification:photos'), {
    name: 'cls',
    kind: 'classification',
    data: 'photos',
  });
  assert.deepEqual(
    parseTaskFlag(
      'seg:segmentation:http://h:8/x.json:decoder=deeplabv3plus,classes=bg;cat,ignore-index=0,weight=0.5',
    ),
    {
      name: 'seg',
      kind: 'segmentation',
      data: 'http://h:8/x.json',
      decoder: 'deeplabv3plus',
      classes: ['bg', 'cat'],
      ignoreIndex: 0,
      weight: 0.5,
    },
  );
  assert.throws(() => parseTaskFlag('cls:classification'), /name:kind:data/);
  assert.throws(() => parseTaskFlag('cls::photos'), /name:kind:data/);
  assert.throws(() => parseTaskFlag('a:detection:x.json:oops,b=1'), /'oops' is not key=value/);
});

test('the run config: defaults filled, tasks checked field by field', () => {
  const config = resolveMultiTaskConfig({
    tasks: [parseTaskFlag('a:classification:x'), parseTaskFlag('b:detection:y.json')],
  });
  assert.equal(config.weighting, 'equal');
  assert.equal(config.tasks[1]!.weight, 1);
  assert.equal(config.imageSize, 224);
  const fails = (input: Record<string, unknown>, field: RegExp) =>
    assert.throws(
      () => resolveMultiTaskConfig(input),
      (e: unknown) => e instanceof ConfigError && field.test(e.message),
    );
  fails(
    { tasks: [parseTaskFlag('a:classification:x'), parseTaskFlag('a:detection:y')] },
    /named 'a'/,
  );
  fails({ tasks: [parseTaskFlag('A:classification:x')] }, /tasks\.0\.name/);
  fails({ tasks: [parseTaskFlag('a:regression:x')] }, /tasks\.0\.kind/);
  fails({ tasks: [parseTaskFlag('a:segmentation:x:decoder=fpn')] }, /tasks\.0\.decoder/);
  fails({ tasks: [parseTaskFlag('a:segmentation:x:colour=red')] }, /colour/);
  fails({ tasks: [] }, /tasks/);
  fails({ tasks: ['just-a-path'] }, /tasks\.0.*name:kind:data/);
  // A config file may list tasks as the flag's text.
  assert.deepEqual(
    resolveMultiTaskConfig({
      tasks: ['a:classification:x', 'b:detection:y.json:val=0.3'],
    }).tasks.map((t) => [t.name, t.kind, t.data, t.val]),
    [
      ['a', 'classification', 'x', 0.1],
      ['b', 'detection', 'y.json', 0.3],
    ],
  );
  fails({ tasks: [parseTaskFlag('a:classification:x')], imageSize: 100 }, /imageSize/);
});
