// The PEFT fields in `train` and the dense trainers: defaults, LoRA's rank and alpha, and the
// refusals that name the fields (a strategy that is not finetune, LoRA fields without LoRA, and
// fields that would train or change the frozen backbone).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveTrainConfig } from '../classification/config.js';
import { resolveDetectConfig } from '../detection/config.js';
import { resolveSegmentConfig } from '../segmentation/config.js';
import { peftBundleSave, peftOptions } from './config.js';

const data = 'mnist';

test('defaults: no PEFT; LoRA rank 8 and alpha = rank unless given', () => {
  assert.equal(peftOptions(resolveTrainConfig({ data, strategy: 'finetune' })), undefined);
  const lora = (extra: object) =>
    peftOptions(resolveTrainConfig({ data, strategy: 'finetune', peft: 'lora', ...extra }));
  assert.deepEqual(lora({}), { method: 'lora', rank: 8, alpha: 8 });
  assert.deepEqual(lora({ rank: 4 }), { method: 'lora', rank: 4, alpha: 4 });
  assert.deepEqual(lora({ rank: 4, loraAlpha: 16 }), { method: 'lora', rank: 4, alpha: 16 });
  assert.deepEqual(
    peftOptions(resolveTrainConfig({ data, strategy: 'finetune', peft: 'bitfit' })),
    { method: 'bitfit' },
  );
});

test('a PEFT run saves a delta, float16 when asked; merged or without PEFT, no delta', () => {
  const config = (extra: object) =>
    resolveTrainConfig({ data, strategy: 'finetune', backbone: 'mobilenet_v2', ...extra });
  const base = { backbone: 'mobilenet_v2', pretrained: true, inputSize: 96 };
  assert.deepEqual(peftBundleSave(config({ peft: 'bitfit' }), 96), { delta: { base } });
  assert.deepEqual(peftBundleSave(config({ peft: 'lora', deltaDtype: 'float16' }), 96), {
    delta: { base, dtype: 'float16' },
  });
  assert.deepEqual(peftBundleSave(config({ peft: 'lora', merge: true }), 96), { merge: true });
  assert.deepEqual(peftBundleSave(config({}), 96), {});
});

test('train refuses PEFT outside finetune and the fields it contradicts, naming them', () => {
  for (const strategy of ['linear', 'scratch', 'lp-ft'])
    assert.throws(
      () => resolveTrainConfig({ data, strategy, peft: 'adapter' }),
      new RegExp(`peft, strategy: .*needs strategy finetune, not ${strategy}`),
    );
  const refused = (fields: object, message: RegExp) =>
    assert.throws(() => resolveTrainConfig({ data, strategy: 'finetune', ...fields }), message);
  refused({ peft: 'bitfit', rank: 4 }, /rank: only apply to peft lora, not peft bitfit/);
  refused({ loraAlpha: 2 }, /loraAlpha: only apply to peft lora, not peft none/);
  refused(
    { peft: 'lora', unfreeze: 2, l2sp: 0.1, freezeBn: false },
    /unfreeze, l2sp, freezeBn: cannot be used with peft lora/,
  );
  refused(
    { deltaDtype: 'float16' },
    /deltaDtype, peft: deltaDtype is how a PEFT run stores its delta bundle/,
  );
  refused({ peft: 'lora', merge: true, deltaDtype: 'float16' }, /deltaDtype, merge: /);
  assert.throws(() => resolveTrainConfig({ data, peft: 'dora' }), /peft/);
  assert.throws(
    () => resolveTrainConfig({ data, strategy: 'finetune', peft: 'lora', rank: 0 }),
    /rank/,
  );
});

test('detect and segment train take the same fields and refuse a frozen backbone with PEFT', () => {
  const detect = resolveDetectConfig({ data: 'd', peft: 'lora', rank: 16 });
  assert.deepEqual(peftOptions(detect), { method: 'lora', rank: 16, alpha: 16 });
  assert.throws(
    () => resolveDetectConfig({ data: 'd', peft: 'lora', freezeBackbone: true }),
    /freezeBackbone: cannot be used with peft lora/,
  );
  assert.throws(
    () => resolveSegmentConfig({ data: 'd', peft: 'bitfit', strategy: 'scratch' }),
    /needs strategy finetune, not scratch/,
  );
  assert.equal(resolveSegmentConfig({ data: 'd', peft: 'adapter' }).peft, 'adapter');
});
