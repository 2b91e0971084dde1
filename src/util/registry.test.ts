import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { createModel } from '../backbones/create-model.js';
import { registerBackbone } from '../backbones/registry.js';
import { resnetTiny } from '../backbones/resnet-tiny.js';
import { ConfigError, VisiontuneError } from '../errors.js';
import { resolveAdaptConfig } from '../methods/adapt/config.js';
import { adaptMethods, registerAdaptMethod } from '../methods/adapt/methods/index.js';
import { parseMethods, resolveFewShotConfig } from '../methods/fewshot/config.js';
import { fewShotMethods, registerFewShotMethod } from '../methods/fewshot/methods/index.js';
import { needsMetaTraining } from '../methods/fewshot/run.js';
import { parseLayers } from './merge-layers.js';
import { Registry } from './registry.js';

test('a registry keeps its built-ins, adds entries, and refuses a taken or malformed name', () => {
  const r = new Registry<number>('widget', [['a', 1]]);
  r.register('b', 2);
  assert.deepEqual(r.names(), ['a', 'b']);
  assert.equal(r.get('b'), 2);
  assert.throws(() => r.register('a', 3), /widget 'a' is already registered/);
  r.register('a', 3, { replace: true });
  assert.equal(r.get('a'), 3);
  assert.throws(() => r.register('no spaces', 4), VisiontuneError);
  assert.throws(() => r.get('c'), /unknown widget 'c' \(known: a, b\)/);
});

test("a name field accepts today's entries, and its error names the config field", () => {
  const r = new Registry<number>('widget', [['a', 1]]);
  const schema = z.object({ kind: r.nameField('which widget', 'a') });
  assert.equal(parseLayers(schema, 'test', [{}]).kind, 'a');
  assert.throws(
    () => parseLayers(schema, 'test', [{ kind: 'b' }]),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.problems[0].fields[0] === 'kind' &&
      /unknown widget 'b'/.test(e.message),
  );
  r.register('b', 2);
  assert.equal(parseLayers(schema, 'test', [{ kind: 'b' }]).kind, 'b');
});

test('a registered adaptation method is accepted by the configuration and built by name', () => {
  const base = { source: 'mnist', target: 'some/folder' };
  assert.throws(() => resolveAdaptConfig({ ...base, method: 'my-method' }), /method: unknown/);
  const built: string[] = [];
  registerAdaptMethod('my-method', (config, env) => {
    built.push(`${config.method}/${env.classes}`);
    return adaptMethods.get('mmd')(config, env);
  });
  const config = resolveAdaptConfig({ ...base, method: 'my-method' });
  const method = adaptMethods.get(config.method)(config, { featureDim: 4, classes: 3, seed: 0 });
  assert.deepEqual(built, ['my-method/3']);
  method.dispose();
});

test('a registered backbone is built by createModel under its name', async () => {
  registerBackbone({ ...resnetTiny, name: 'my_tiny_net' });
  assert.throws(() => registerBackbone({ ...resnetTiny, name: 'my_tiny_net' }), /already/);
  const { model, config } = await createModel('my_tiny_net', { pretrained: false });
  assert.equal(config.embeddingDim, resnetTiny.config.embeddingDim);
  model.dispose();
});

test('a registered few-shot method is accepted by the configuration, built by name, and its meta-training flag counts', () => {
  assert.throws(() => resolveFewShotConfig({ data: 'mnist', methods: ['nearest'] }), /methods\.0/);
  registerFewShotMethod('nearest', {
    metaLearned: false,
    create: (network, config) => fewShotMethods.get('centroid').create(network, config),
  });
  const config = resolveFewShotConfig({ data: 'mnist', methods: ['nearest'] });
  assert.deepEqual(config.methods, ['nearest']);
  assert.equal(needsMetaTraining(config), false);
  assert.equal(needsMetaTraining({ ...config, methods: ['nearest', 'protonet'] }), true);
  assert.ok(parseMethods('all').includes('nearest'));
});
