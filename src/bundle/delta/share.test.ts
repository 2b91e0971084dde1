// Deltas on one base share its weights: loaded through one DeltaBases (as `serve` loads its
// models), a second delta adds about its own stored bytes, not the backbone's; loaded apart, it
// adds a whole base. Memory is counted as the backend holds it — distinct data buffers
// (tf.memory().numDataBuffers), their bytes (numBytesInTorch on the torch backend; on others the
// bytes of the distinct buffers behind the models' weights) — since tf.memory().numBytes counts a
// shared buffer once per tensor. Then a real server on 127.0.0.1 serves two deltas and the full
// bundle of one of them: same answers, the deltas on TF.js, the base held once.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { ensureEngine } from '../../engine/index.js';
import { createServer } from '../../serve/app.js';
import { noiseImage } from '../../serve/test-bundles.js';
import { loadBundle, saveBundle } from '../bundle.js';
import { DeltaBases } from './base.js';
import { bitfitClassifier, inputsFor, maxDifference, metaFor, TINY_BASE } from './test-deltas.js';

let tmp: string;
const deltas: string[] = [];
let full: string;
let baseBytes = 0;
let baseWeights = 0;
let storedBytes = 0;
let storedWeights = 0;
/** Every weight of the base body (the classifier leaves none out on resnet_tiny but its head). */
let bodyWeights = 0;

before(async () => {
  await ensureEngine();
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-delta-share-'));
  for (const seed of [1, 2]) {
    const model = await bitfitClassifier(TINY_BASE, seed);
    const dir = path.join(tmp, `delta-${seed}`);
    const meta = await saveBundle(dir, model, metaFor(TINY_BASE), { delta: { base: TINY_BASE } });
    deltas.push(dir);
    storedWeights = meta.delta!.weights.length;
    storedBytes = model.weights
      .filter((w) => meta.delta!.weights.includes(w.originalName))
      .reduce((n, w) => n + 4 * w.read().size, 0);
    if (seed === 1) {
      full = path.join(tmp, 'full-1');
      await saveBundle(full, model, metaFor(TINY_BASE));
      baseWeights = model.weights.length - storedWeights;
      baseBytes = model.weights.reduce((n, w) => n + 4 * w.read().size, 0) - storedBytes;
    }
    model.dispose();
  }
  const bases = new DeltaBases();
  bodyWeights = (await bases.get(TINY_BASE, 'the test')).weights.size;
  await bases.dispose();
});
after(() => fs.rm(tmp, { recursive: true, force: true }));

/** What the backend holds: distinct buffers, and their bytes where the backend counts them. */
function held(models: tf.LayersModel[]) {
  const memory = tf.memory() as tf.MemoryInfo & { numBytesInTorch?: number };
  const buffers = new Map<object, number>();
  for (const m of models)
    for (const w of m.weights) buffers.set(w.read().dataId, 4 * w.read().size);
  const weightBytes = [...buffers.values()].reduce((a, b) => a + b, 0);
  return { buffers: memory.numDataBuffers, torchBytes: memory.numBytesInTorch, weightBytes };
}

describe('deltas on one base', () => {
  it('hold the base once through one DeltaBases, and a base per delta without', async () => {
    const bases = new DeltaBases();
    const first = await loadBundle(deltas[0]!, { bases });
    const one = held([first.model]);
    const second = await loadBundle(deltas[1]!, { bases });
    const two = held([first.model, second.model]);
    const apart = await loadBundle(deltas[1]!);
    const three = held([first.model, second.model, apart.model]);
    const info = { baseBytes, storedBytes, one, two, three };
    console.log(`# ${tf.getBackend()}: ${JSON.stringify(info)}`);

    // Shared: the second delta adds its stored weights only.
    assert.ok(two.buffers - one.buffers <= storedWeights + 2, JSON.stringify(info));
    assert.equal(two.weightBytes - one.weightBytes, storedBytes);
    if (one.torchBytes !== undefined)
      assert.ok(two.torchBytes! - one.torchBytes < 2 * storedBytes, JSON.stringify(info));
    // Apart: a whole model's weights more (the test can tell the difference).
    assert.ok(three.buffers - two.buffers >= baseWeights, JSON.stringify(info));
    assert.equal(three.weightBytes - two.weightBytes, baseBytes + storedBytes);
    if (two.torchBytes !== undefined)
      assert.ok(three.torchBytes! - two.torchBytes >= baseBytes, JSON.stringify(info));

    // Sharing does not mix the deltas up: each predicts as loaded alone.
    const x = inputsFor(TINY_BASE);
    assert.ok(maxDifference(second.model, apart.model, x) <= 1e-6);
    assert.ok(maxDifference(first.model, second.model, x) > 1e-3);
    x.dispose();
    for (const b of [first, second, apart]) b.model.dispose();
    await bases.dispose();
  });

  it('are served with the base held once', async () => {
    const before = tf.memory() as tf.MemoryInfo & { numBytesInTorch?: number };
    const app = createServer({ model: [`a=${deltas[0]}`, `b=${deltas[1]}`], engine: 'auto' });
    await app.ready();
    try {
      const after = tf.memory() as tf.MemoryInfo & { numBytesInTorch?: number };
      for (const model of app.describeModels()) {
        assert.equal(model.engine, 'tfjs');
        assert.match(String(model.engineNote), /delta bundle/);
        assert.equal((model.deltaOf as { backbone: string }).backbone, 'resnet_tiny');
      }
      // The base body once (all its weights, held by the server's DeltaBases), each delta's own.
      const grown = after.numDataBuffers - before.numDataBuffers;
      const apart = 2 * (baseWeights + storedWeights);
      console.log(
        `# served: +${grown} buffers (base body ${bodyWeights} + 2 × ${storedWeights} stored; apart ${apart})`,
      );
      assert.equal(grown, bodyWeights + 2 * storedWeights);
      if (before.numBytesInTorch !== undefined) {
        const bytes = after.numBytesInTorch! - before.numBytesInTorch;
        console.log(`# served: +${bytes} bytes in torch (base ${baseBytes}, delta ${storedBytes})`);
        assert.ok(bytes < baseBytes + 3 * storedBytes + 1024, `${bytes} bytes`);
      }
    } finally {
      await app.close();
    }
  });

  it('answer over HTTP as the full bundle of the same model does', async () => {
    const image = await noiseImage(40, 30, 3, 'png');
    const app = createServer({
      model: [`a=${deltas[0]}`, `b=${deltas[1]}`, `full=${full}`],
      maxWaitMs: 0,
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
      const classes = async (name: string) => {
        const response = await fetch(`${url}/v1/models/${name}/predict?top=3`, {
          method: 'POST',
          body: image as unknown as BodyInit,
          headers: { 'content-type': 'image/png' },
        });
        assert.equal(response.status, 200);
        const body = (await response.json()) as {
          results: { classes: { label: string; probability: number }[] }[];
        };
        return Object.fromEntries(body.results[0]!.classes.map((c) => [c.label, c.probability]));
      };
      const [a, b, fromFull] = [await classes('a'), await classes('b'), await classes('full')];
      // The full bundle may run on ONNX Runtime (auto): float32 agreement, not bits.
      for (const label of Object.keys(fromFull))
        assert.ok(
          Math.abs(a[label]! - fromFull[label]!) <= 1e-5,
          `${label}: ${a[label]} vs ${fromFull[label]}`,
        );
      assert.ok(Object.keys(a).some((l) => Math.abs(a[l]! - b[l]!) > 1e-4));
    } finally {
      await app.close();
    }
  });
});
