// Delta bundles end to end in the library: saved with only what differs from the base, loaded
// through the ordinary loadBundle into the same predictions, refused on another base, merged
// into a standalone bundle.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { getBackbone } from '../../backbones/index.js';
import { ensureEngine } from '../../engine/index.js';
import { saveLayersModel } from '../../engine/save-layers-model.js';
import { VisiontuneError } from '../../errors.js';
import { buildDetector } from '../../heads/detection/fcos-model.js';
import { openDetectorBundle } from '../../methods/detection/bundle-detector.js';
import { openBundle } from '../batch-model.js';
import { loadBundle, readBundleMeta, saveBundle } from '../bundle.js';
import { mergeDeltaBundle } from './merge.js';
import type { DeltaBaseSpec } from './schema.js';
import {
  bitfitClassifier,
  extraLayerClassifier,
  inputsFor,
  isBitfitWeight,
  maxDifference,
  metaFor,
  TINY_BASE,
} from './test-deltas.js';

let tmp: string;
before(async () => {
  await ensureEngine();
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-delta-'));
});
after(() => fs.rm(tmp, { recursive: true, force: true }));

async function weightFileBytes(dir: string): Promise<number> {
  const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.bin'));
  let total = 0;
  for (const f of files) total += (await fs.stat(path.join(dir, f))).size;
  return total;
}

describe('delta bundles', () => {
  it('store only what BitFit changed and load into the same predictions', async () => {
    const model = await bitfitClassifier(TINY_BASE, 1);
    const deltaDir = path.join(tmp, 'bitfit');
    const fullDir = path.join(tmp, 'bitfit-full');
    const meta = await saveBundle(deltaDir, model, metaFor(TINY_BASE), {
      delta: { base: TINY_BASE },
    });
    await saveBundle(fullDir, model, metaFor(TINY_BASE));

    // Stored: the BatchNorm affine and the new head, nothing else.
    const stored = meta.delta!.weights;
    const expected = model.weights
      .map((w) => w.originalName)
      .filter((n) => isBitfitWeight(n) || n.startsWith('head/'));
    assert.deepEqual([...stored].sort(), [...expected].sort());
    assert.equal((await readBundleMeta(deltaDir)).delta?.base.weightsSha256.length, 64);

    const deltaBytes = await weightFileBytes(deltaDir);
    const fullBytes = await weightFileBytes(fullDir);
    assert.ok(deltaBytes / fullBytes < 0.05, `delta ${deltaBytes} B vs full ${fullBytes} B`);

    const loaded = await loadBundle(deltaDir);
    const x = inputsFor(TINY_BASE);
    assert.ok(maxDifference(model, loaded.model, x) <= 1e-6);
    assert.equal(loaded.model.weights.length, model.weights.length);
    assert.equal(loaded.meta.delta?.weights.length, stored.length);
    loaded.model.dispose();
    model.dispose();
    x.dispose();
  });

  it('stored as float16: half the bytes, each weight its half-precision rounding', async () => {
    const model = await bitfitClassifier(TINY_BASE, 2);
    const [wide, half] = [path.join(tmp, 'f32'), path.join(tmp, 'f16')];
    await saveBundle(wide, model, metaFor(TINY_BASE), { delta: { base: TINY_BASE } });
    const meta = await saveBundle(half, model, metaFor(TINY_BASE), {
      delta: { base: TINY_BASE, dtype: 'float16' },
    });
    // The same weights are stored, in two bytes each instead of four.
    assert.equal((await readBundleMeta(wide)).delta!.weights.join(), meta.delta!.weights.join());
    assert.equal(await weightFileBytes(half), (await weightFileBytes(wide)) / 2);

    const loaded = await loadBundle(half);
    const stored = new Set(meta.delta!.weights);
    for (const [i, w] of model.weights.entries()) {
      const original = w.read().dataSync() as Float32Array;
      const read = loaded.model.weights[i]!.read().dataSync() as Float32Array;
      for (let k = 0; k < original.length; k++) {
        const v = original[k]!;
        // Stored: within half a float16 step (2^-11 relative; normal values here). The base's
        // weights come from the base, exact.
        const bound = stored.has(w.originalName) ? Math.abs(v) * 2 ** -11 + 1e-7 : 0;
        assert.ok(Math.abs(read[k]! - v) <= bound, `${w.originalName}[${k}]: ${read[k]} vs ${v}`);
      }
    }
    const x = inputsFor(TINY_BASE);
    // Outputs move by the weights' rounding carried through the net: a few 2^-11 of their scale.
    const scale = tf.tidy(() => tf.max(tf.abs(model.predict(x) as tf.Tensor)).dataSync()[0]!);
    const gap = maxDifference(model, loaded.model, x);
    assert.ok(gap > 0 && gap <= 8 * 2 ** -11 * scale, `${gap} of ${scale}`);
    loaded.model.dispose();
    model.dispose();
    x.dispose();
  });

  it('store a layer the base does not have, and nothing of the unchanged body', async () => {
    const model = await extraLayerClassifier(TINY_BASE);
    const dir = path.join(tmp, 'extra');
    const meta = await saveBundle(dir, model, metaFor(TINY_BASE), { delta: { base: TINY_BASE } });
    assert.deepEqual([...meta.delta!.weights].sort(), [
      'head/bias',
      'head/kernel',
      'stage4_extra/bias',
      'stage4_extra/kernel',
    ]);
    const loaded = await loadBundle(dir);
    const x = inputsFor(TINY_BASE);
    assert.ok(maxDifference(model, loaded.model, x) <= 1e-6);
    loaded.model.dispose();
    model.dispose();
    x.dispose();
  });

  it('hold a detector: the backbone BatchNorm affine and the whole FPN and head', async () => {
    const { model, layout } = await buildDetector({
      backbone: TINY_BASE.backbone,
      pretrained: false,
      seed: TINY_BASE.seed,
      numClasses: 2,
      inputSize: TINY_BASE.inputSize,
    });
    for (const w of model.weights)
      if (/\/(gamma|beta)$/.test(w.originalName) && /^(stem|stage)/.test(w.originalName))
        w.write(tf.tidy(() => tf.add(w.read(), 0.01)));
    const meta = {
      ...metaFor(TINY_BASE),
      task: 'detection' as const,
      labels: ['a', 'b'],
      detection: {
        head: 'fcos' as const,
        strides: [...layout.strides],
        scoreThreshold: 0.05,
        nmsIou: 0.6,
        maxDetections: 100,
      },
    };
    const dir = path.join(tmp, 'detector');
    const saved = await saveBundle(dir, model, meta, { delta: { base: TINY_BASE } });
    const unchanged = saved.delta!.weights.filter(
      (n) => /^(stem|stage)/.test(n) && !/\/(gamma|beta)$/.test(n),
    );
    assert.deepEqual(unchanged, [], 'no unchanged backbone weight is stored');
    assert.ok(saved.delta!.weights.some((n) => n.startsWith('stage2_')));
    const detector = await openDetectorBundle(dir, { engine: 'tfjs' });
    assert.deepEqual(detector.layout.strides, layout.strides);
    const opened = await openBundle(dir, { engine: 'tfjs' });
    const x = inputsFor(TINY_BASE);
    assert.ok(maxDifference(model, opened.model as tf.LayersModel, x) <= 1e-6);
    for (const m of [
      model,
      opened.model as tf.LayersModel,
      detector.bundle.model as tf.LayersModel,
    ])
      m.dispose();
    x.dispose();
  });

  it('store the weights a PEFT run trained even where they still equal the base', async () => {
    const model = await bitfitClassifier(TINY_BASE, 2);
    const kept = 'stage1_block1_conv1/kernel';
    const meta = await saveBundle(
      path.join(tmp, 'peft'),
      model,
      metaFor(TINY_BASE, { peft: { method: 'lora', trainableWeights: [kept] } }),
      { delta: { base: TINY_BASE } },
    );
    assert.ok(meta.delta!.weights.includes(kept));
    assert.ok(!meta.delta!.weights.includes('stage1_block1_conv2/kernel'));
    model.dispose();
  });

  it('refuse another base by name, with both weight hashes', async () => {
    // The base is a model folder; the delta was trained on it, then the folder changed.
    const baseDir = path.join(tmp, 'base-model');
    const body = (seed: number) =>
      getBackbone('resnet_tiny').build({ pretrained: false, seed, inputSize: 32 });
    const first = await body(1);
    await saveLayersModel(first, baseDir);
    first.dispose();
    const spec: DeltaBaseSpec = { backbone: baseDir, pretrained: true, inputSize: 32 };
    const model = await bitfitClassifier(spec, 3);
    const dir = path.join(tmp, 'on-folder');
    // Given relative, recorded absolute.
    const relative = { ...spec, backbone: path.relative(process.cwd(), baseDir) };
    const meta = await saveBundle(dir, model, metaFor(spec), { delta: { base: relative } });
    assert.equal(meta.delta!.base.backbone, baseDir);
    const ok = await loadBundle(dir);
    const x = inputsFor(spec);
    assert.ok(maxDifference(model, ok.model, x) <= 1e-6);
    ok.model.dispose();

    const second = await body(2);
    await saveLayersModel(second, baseDir);
    second.dispose();
    await assert.rejects(loadBundle(dir), (err: unknown) => {
      assert.ok(err instanceof VisiontuneError);
      assert.equal(err.exitCode, 2);
      assert.match(err.message, new RegExp(`delta ${dir} was trained on base ${baseDir}`));
      assert.match(err.message, new RegExp(meta.delta!.base.weightsSha256.slice(0, 16)));
      assert.match(err.message, /this base is .*base-model .*weights sha256 [0-9a-f]{16}/);
      return true;
    });
    model.dispose();
    x.dispose();
  });

  it('refuse a delta whose stored weights are not the ones its description lists', async () => {
    const model = await bitfitClassifier(TINY_BASE, 4);
    const dir = path.join(tmp, 'tampered');
    await saveBundle(dir, model, metaFor(TINY_BASE), { delta: { base: TINY_BASE } });
    const metaFile = path.join(dir, 'visiontune.json');
    const raw = JSON.parse(await fs.readFile(metaFile, 'utf8'));
    raw.delta.weights.pop();
    await fs.writeFile(metaFile, JSON.stringify(raw));
    await assert.rejects(loadBundle(dir), /delta\.weights lists/);
    model.dispose();
  });

  it('name a base that cannot be built', async () => {
    const model = await bitfitClassifier(TINY_BASE, 6);
    const dir = path.join(tmp, 'no-base');
    await saveBundle(dir, model, metaFor(TINY_BASE), { delta: { base: TINY_BASE } });
    const metaFile = path.join(dir, 'visiontune.json');
    const raw = JSON.parse(await fs.readFile(metaFile, 'utf8'));
    raw.delta.base.backbone = path.join(tmp, 'moved-away');
    await fs.writeFile(metaFile, JSON.stringify(raw));
    await assert.rejects(loadBundle(dir), (err: unknown) => {
      assert.ok(err instanceof VisiontuneError && err.exitCode === 2);
      assert.match(err.message, /delta .*no-base needs its base .*moved-away .*cannot be built/);
      return true;
    });
    model.dispose();
  });

  it('store nothing for the base itself, and load it back', async () => {
    const body = await getBackbone('resnet_tiny').build({
      pretrained: false,
      seed: TINY_BASE.seed,
      inputSize: TINY_BASE.inputSize,
    });
    const dir = path.join(tmp, 'empty');
    const meta = await saveBundle(
      dir,
      body,
      { ...metaFor(TINY_BASE), task: 'embedding', labels: [] },
      {
        delta: { base: TINY_BASE },
      },
    );
    assert.deepEqual(meta.delta!.weights, []);
    const loaded = await loadBundle(dir);
    const x = inputsFor(TINY_BASE);
    assert.equal(maxDifference(body, loaded.model, x), 0);
    for (const m of [body, loaded.model]) m.dispose();
    x.dispose();
  });

  it('merge into a standalone bundle that predicts the same without its base', async () => {
    const model = await extraLayerClassifier(TINY_BASE);
    const dir = path.join(tmp, 'to-merge');
    await saveBundle(dir, model, metaFor(TINY_BASE), { delta: { base: TINY_BASE } });
    const out = path.join(tmp, 'merged');
    const merged = await mergeDeltaBundle(dir, out);
    assert.equal(merged.meta.delta, undefined);
    assert.equal((await readBundleMeta(out)).delta, undefined);
    const loaded = await loadBundle(out);
    const x = inputsFor(TINY_BASE);
    assert.ok(maxDifference(model, loaded.model, x) <= 1e-6);
    await assert.rejects(mergeDeltaBundle(out, path.join(tmp, 'again')), /is not a delta bundle/);
    loaded.model.dispose();
    model.dispose();
    x.dispose();
  });

  it('re-saved without the delta option, a loaded delta becomes a standalone bundle', async () => {
    const model = await bitfitClassifier(TINY_BASE, 5);
    const dir = path.join(tmp, 'resave');
    await saveBundle(dir, model, metaFor(TINY_BASE), { delta: { base: TINY_BASE } });
    const loaded = await loadBundle(dir);
    const again = path.join(tmp, 'resaved');
    await saveBundle(again, loaded.model, loaded.meta);
    const meta = await readBundleMeta(again);
    assert.equal(meta.delta, undefined);
    const back = await loadBundle(again);
    const x = inputsFor(TINY_BASE);
    assert.ok(maxDifference(model, back.model, x) <= 1e-6);
    for (const m of [model, loaded.model, back.model]) m.dispose();
    x.dispose();
  });
});
