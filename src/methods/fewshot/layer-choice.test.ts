// The few-shot layer choice sees the meta-train classes' images and nothing else: the samples
// handed to the chooser are checked against the pools that openPools builds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Sample } from '../../data/types.js';
import type { ResolvedLayer, ResolveLayerOptions } from '../rank/auto-layer.js';
import { resolveFewShotConfig } from './config.js';
import { chooseFewShotLayer } from './layer-choice.js';
import { openPools } from './run.js';

/** A chooser that records what it was given and picks a fixed layer. */
function spy() {
  const calls: ResolveLayerOptions[] = [];
  const resolve = async (options: ResolveLayerOptions): Promise<ResolvedLayer> => {
    calls.push(options);
    return { layer: 'stage3_out' };
  };
  return { calls, resolve };
}

const ids = (samples: readonly Sample[]) => new Set(samples.map((s) => s.id));

for (const [name, classes] of [
  ['named class lists', { trainClasses: '0-4', testClasses: '5-9' }],
  ['the default 60/20/20 split', {}],
] as const) {
  test(`auto chooses on the meta-train images only (${name})`, async () => {
    const config = resolveFewShotConfig({
      data: 'fashion-mnist',
      backbone: 'resnet_tiny',
      pretrained: false,
      maxPerClass: 6,
      ...classes,
    });
    const pools = await openPools(config);
    const { calls, resolve } = spy();
    const resolved = await chooseFewShotLayer(config, pools.train, resolve);
    assert.equal(resolved.layer, 'stage3_out');
    assert.equal(calls.length, 1);
    const given = calls[0]!;
    assert.equal(given.layer, 'auto');
    assert.equal(given.combine, false, 'single layers only');
    assert.deepEqual(ids(given.samples), ids(pools.train!.samples));
    const trainClasses = new Set(pools.train!.names);
    const held = [pools.test, pools.val].flatMap((p) => (p ? [p] : []));
    for (const pool of held) {
      const unseen = ids(pool.samples);
      assert.ok(
        given.samples.every((s) => !unseen.has(s.id)),
        pool.description,
      );
      assert.ok(
        pool.names.every((c) => !trainClasses.has(c)),
        pool.description,
      );
    }
    const source = pools.train!.source;
    assert.ok(given.samples.every((s) => trainClasses.has(source.classes[s.label]!)));
  });
}

test('without meta-train classes auto falls back instead of looking at the test classes', async () => {
  const config = resolveFewShotConfig({
    data: 'fashion-mnist',
    backbone: 'resnet_tiny',
    pretrained: false,
    testClasses: '0-9',
    maxPerClass: 6,
  });
  const pools = await openPools(config);
  assert.equal(pools.train, undefined);
  const { calls, resolve } = spy();
  const resolved = await chooseFewShotLayer(config, pools.train, resolve);
  assert.equal(calls.length, 0);
  assert.equal(resolved.layer, undefined);
  assert.match(resolved.fallback!, /no meta-train classes/);
});

test('a named layer is passed through as given', async () => {
  const config = resolveFewShotConfig({ data: 'mnist', embeddingLayer: 'stage2_out' });
  const { calls, resolve } = spy();
  assert.deepEqual(await chooseFewShotLayer(config, undefined, resolve), { layer: 'stage2_out' });
  assert.equal(calls.length, 0);
});
