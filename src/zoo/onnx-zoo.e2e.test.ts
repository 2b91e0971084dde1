// ImageNet weights by name from ONNX Model Zoo files, end to end on stand-ins with the real files'
// paths, input/output names and architectures (torchvision's, random weights:
// scripts/zoo/make_onnx_zoo_fixtures.py): served by a mirror on 127.0.0.1, the entry downloads,
// verifies, converts once and builds; its `stride_<s>` taps and embedding equal PyTorch's feature
// maps; the second build makes no request; the registry's entries refuse the stand-ins by their
// real SHA-256; another architecture's file is refused naming it.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createModel } from '../backbones/create-model.js';
import { TAP_STRIDES } from '../backbones/graph.js';
import { getBackbone, registerBackbone } from '../backbones/registry.js';
import { initEngine } from '../engine/index.js';
import { VisiontuneError } from '../errors.js';
import { buildFromOnnxFile } from './onnx-convert.js';
import { onnxZooEntry, tapName } from './onnx-zoo.js';
import { onnxZooSpec } from './onnx-zoo-entries.js';
import { setZooSettings } from './settings.js';
import { type OnnxZooFixture, onnxZooFixtures } from './test-fixtures.js';
import { type ServedFolder, serveFolder } from './test-mirror.js';

await initEngine({});
const { skip, mirror, fixtures } = onnxZooFixtures();
const fixture = (name: string) => fixtures.find((f) => f.name === name)!;
let cacheDir: string;
let served: ServedFolder;

before(async () => {
  cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-onnx-zoo-'));
  served = await serveFolder(mirror);
  setZooSettings({ cacheDir, mirror: served.base, offline: false });
});
after(async () => {
  await served.close();
  await fs.rm(cacheDir, { recursive: true, force: true });
});

/** The entry's spec with the fixture's digest and size in place of the real file's. */
function fixtureSpec(f: OnnxZooFixture) {
  const spec = onnxZooSpec(f.name)!;
  return {
    ...spec,
    name: `${f.name}_fixture`,
    file: {
      ...spec.file,
      digest: { algorithm: 'sha256' as const, value: f.sha256 },
      bytes: f.bytes,
    },
  };
}

/** Every `stride_<s>` tap of `body` equals PyTorch's map within 1e-4 of its scale. */
function assertTapsEqualPytorch(body: tf.LayersModel, f: OnnxZooFixture) {
  const taps = tf.model({
    inputs: body.inputs,
    outputs: TAP_STRIDES.map((s) => body.getLayer(tapName(s)).output as tf.SymbolicTensor),
  });
  tf.tidy(() => {
    const x = tf.transpose(tf.tensor4d(f.input, f.inputShape as never), [0, 2, 3, 1]);
    const ys = taps.predict(x) as tf.Tensor[];
    TAP_STRIDES.forEach((s, i) => {
      const map = f.maps[String(s) as '4'];
      const ref = tf.transpose(tf.tensor4d(map.data, map.shape as never), [0, 2, 3, 1]);
      assert.deepEqual(ys[i]!.shape, ref.shape, `stride ${s}`);
      const scale = Math.max(1, ref.abs().max().dataSync()[0]!);
      const err = tf.sub(ys[i]!, ref).abs().max().dataSync()[0]!;
      assert.ok(err <= 1e-4 * scale, `${f.name} stride ${s}: max |ours − PyTorch| ${err}`);
    });
  });
}

test('an ONNX zoo entry downloads from the mirror, converts once, and its taps equal PyTorch', {
  skip,
}, async () => {
  const f = fixture('mobilenet_v2.onnxzoo');
  const entry = onnxZooEntry(fixtureSpec(f));
  registerBackbone(entry);
  const body = await entry.build({ pretrained: true });
  assert.equal(served.requests.filter((r) => r.endsWith('/mobilenetv2-12.onnx')).length, 1);
  assertTapsEqualPytorch(body, f);
  body.dispose();

  // Built again, at another size, through createModel: the converted model in the cache, no
  // request; the entry's stated embedding is the pooled stride-32 map.
  const before = served.requests.length;
  const { model, config } = await createModel(entry.name, { inputSize: 96 });
  assert.equal(served.requests.length, before);
  assert.equal(config.embeddingLayer, tapName(32));
  assert.deepEqual(model.outputs[0]!.shape, [null, 1280]);
  model.dispose();
  const converted = path.join(cacheDir, 'converted', entry.name);
  assert.equal((await fs.readdir(converted)).length, 1);
});

test('a ReduceMean-pooled classifier (ShuffleNetV2) is cut at the map it averages; 224 px only', {
  skip,
}, async () => {
  const f = fixture('shufflenet_v2.onnxzoo');
  const body = await buildFromOnnxFile(fixtureSpec(f), f.file, { pretrained: true });
  assertTapsEqualPytorch(body, f);
  body.dispose();
  // Its channel shuffle was exported with 224 px map sizes: another size is refused, not crashed.
  await assert.rejects(
    buildFromOnnxFile(fixtureSpec(f), f.file, { pretrained: true, inputSize: 96 }),
    (e: unknown) =>
      e instanceof VisiontuneError && /cannot run at 96 px, only at 224/.test(e.message),
  );
});

test('another architecture’s file is refused naming the file and the channels', {
  skip,
}, async () => {
  const other = fixture('shufflenet_v2.onnxzoo').file;
  const spec = { ...fixtureSpec(fixture('mobilenet_v2.onnxzoo')), name: 'mobilenet_v2.other' };
  await assert.rejects(
    buildFromOnnxFile(spec, other, { pretrained: true }),
    (e: unknown) =>
      e instanceof VisiontuneError &&
      e.exitCode === 2 &&
      e.message.includes(other) &&
      /not the architecture of mobilenet_v2\.other: it has no feature map of 32 channels at stride 8, 96 channels at stride 16, 1280 channels at stride 32 \(its last maps: .*116 channels at stride 8/.test(
        e.message,
      ),
  );
});

test('a truncated or non-ONNX file is bad input naming it, and leaves no converted model', {
  skip,
}, async () => {
  const f = fixture('mobilenet_v2.onnxzoo');
  const whole = await fs.readFile(f.file);
  for (const [name, bytes] of [
    ['cut.onnx', whole.subarray(0, whole.length >> 1)],
    ['photo.onnx', Buffer.from('\xff\xd8\xff\xe0 not a model', 'latin1')],
  ] as const) {
    const file = path.join(cacheDir, name);
    await fs.writeFile(file, bytes);
    const spec = { ...fixtureSpec(f), name: `bad_${name}` };
    await assert.rejects(
      buildFromOnnxFile(spec, file, { pretrained: true }),
      (e: unknown) => e instanceof VisiontuneError && e.exitCode === 2 && e.message.includes(file),
    );
    const converted = path.join(cacheDir, 'converted', spec.name);
    const left = await fs.readdir(converted).catch(() => []);
    for (const dir of left)
      await assert.rejects(fs.access(path.join(converted, dir, 'model.json')), dir);
  }
});

test('the registry’s ONNX zoo entries refuse a stand-in by the zoo’s SHA-256 and cache nothing', {
  skip,
}, async () => {
  for (const name of ['mobilenet_v2.onnxzoo', 'shufflenet_v2.onnxzoo']) {
    const entry = getBackbone(name);
    await assert.rejects(
      entry.build({ pretrained: true }),
      (e: unknown) =>
        e instanceof VisiontuneError &&
        e.exitCode === 2 &&
        e.message.includes(entry.weights!.path) &&
        e.message.includes(`expected sha256 ${entry.weights!.digest!.value}`),
    );
    await assert.rejects(fs.access(path.join(cacheDir, ...entry.weights!.path.split('/'))));
  }
});
