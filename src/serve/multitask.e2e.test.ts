// A multi-task bundle served over real HTTP on 127.0.0.1: one request of several images is
// answered with every task per image from ONE forward pass for the batch (counted), each task's
// answer equal to what the single-task route answers for that task's view (--task), on TF.js and
// on ONNX Runtime.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { closeBundle, openBundle } from '../bundle/batch-model.js';
import { saveTinyMultitask } from '../bundle/multitask/test-bundle.js';
import { createServer, type VisiontuneServer } from './app.js';
import { classifier } from './tasks/classify.js';
import { detector } from './tasks/detect.js';
import { segmenter } from './tasks/segment.js';
import type { TaskRunner } from './tasks/types.js';
import { noiseImage } from './test-bundles.js';

await tf.setBackend('cpu');

let dir: string;
let bundleDir: string;
let images: Buffer[];

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-serve-mt-'));
  bundleDir = path.join(dir, 'mt');
  await saveTinyMultitask(bundleDir);
  // Square: every task's own preprocessing equals the joint letterbox there.
  images = await Promise.all([40, 32, 64].map((side, i) => noiseImage(side, side, 20 + i, 'png')));
});
after(() => fs.rm(dir, { recursive: true, force: true }));

// biome-ignore lint/suspicious/noExplicitAny: response bodies read field by field
type Body = any;

/** What the single-task route answers for `image` with task `name`'s view. */
async function viewAnswers(
  name: string,
  make: (b: Awaited<ReturnType<typeof openBundle>>) => TaskRunner,
) {
  const view = await openBundle(bundleDir, { engine: 'tfjs', task: name });
  const runner = make(view);
  const items = await Promise.all(
    images.map((b, i) => runner.prepare(b, `img${i}.png`, { top: 3 })),
  );
  const answers = await runner.run(items);
  await closeBundle(view);
  return answers as Body[];
}

function assertClose(got: Body, want: Body, where: string, tolerance: number) {
  if (typeof want === 'number') {
    assert.ok(Math.abs(got - want) <= tolerance, `${where}: ${got} vs ${want}`);
  } else if (Array.isArray(want)) {
    assert.equal(got.length, want.length, `${where}: length`);
    want.forEach((w, i) => {
      assertClose(got[i], w, `${where}[${i}]`, tolerance);
    });
  } else if (want && typeof want === 'object') {
    assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), where);
    for (const k of Object.keys(want)) assertClose(got[k], want[k], `${where}.${k}`, tolerance);
  } else assert.equal(got, want, where);
}

async function serveAndCompare(engine: 'tfjs' | 'onnx', tolerance: number) {
  const app: VisiontuneServer = createServer({
    model: [`mt=${bundleDir}`],
    engine,
    maxWaitMs: 300,
    maxBatch: 8,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const { port } = app.server.address() as { port: number };
    const base = `http://127.0.0.1:${port}`;
    const described = (await (await fetch(`${base}/v1/models/mt`)).json()) as Body;
    assert.equal(described.task, 'multitask');
    assert.deepEqual(
      described.tasks.map((t: Body) => t.name),
      ['kind', 'tags', 'boxes', 'parts'],
    );
    // Forward passes: TF.js model calls during the request (every LayersModel's predict), and
    // for either engine the server's own count of batches run (visiontune_batch_size).
    let passes = 0;
    const predict = tf.LayersModel.prototype.predict;
    tf.LayersModel.prototype.predict = function (this: tf.LayersModel, ...a) {
      passes++;
      return predict.apply(this, a);
    };
    const form = new FormData();
    images.forEach((b, i) => {
      form.append('image', new Blob([new Uint8Array(b)], { type: 'image/png' }), `img${i}.png`);
    });
    const response = await fetch(`${base}/v1/models/mt/predict?top=3`, {
      method: 'POST',
      body: form,
    });
    tf.LayersModel.prototype.predict = predict;
    const body = (await response.json()) as Body;
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.equal(passes, engine === 'tfjs' ? 1 : 0, 'TF.js passes for three images, four tasks');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /visiontune_batch_size_count\{model="mt"\} 1\n/);
    assert.match(metrics, /visiontune_batch_size_sum\{model="mt"\} 3\n/);
    assert.equal(body.task, 'multitask');
    const expected: Record<string, Body[]> = {
      kind: await viewAnswers('kind', classifier),
      tags: await viewAnswers('tags', classifier),
      boxes: await viewAnswers('boxes', detector),
      parts: await viewAnswers('parts', segmenter),
    };
    assert.ok(expected.tags![0].present, 'the multi-label view answers present classes');
    assert.ok(
      expected.boxes!.some((a) => a.boxes.length > 0),
      'some boxes to compare',
    );
    body.results.forEach((r: Body, k: number) => {
      assert.equal(r.id, `img${k}.png`);
      assert.deepEqual(Object.keys(r.tasks), ['kind', 'tags', 'boxes', 'parts']);
      for (const [name, answers] of Object.entries(expected)) {
        const want = answers[k];
        if (name === 'parts') {
          // Masks: the same labels exactly (mode: the joint pass always resizes).
          assert.equal(r.tasks.parts.mask.data, want.mask.data, `${engine} mask ${k}`);
          assertClose(r.tasks.parts.classShares, want.classShares, `${engine} shares`, 1e-9);
        } else assertClose(r.tasks[name], want, `${engine} ${name} ${k}`, tolerance);
      }
    });
  } finally {
    await app.close();
  }
}

test('TF.js: every task from one forward pass per batch, each as its task view answers', async () => {
  await serveAndCompare('tfjs', 1e-5);
});

test('ONNX Runtime: the same answers from one session run per batch', async () => {
  await serveAndCompare('onnx', 1e-4);
});
